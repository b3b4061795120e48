package org.ocspcluster.responder.signing;

/**
 * A token said no to the PIN. Never tried again with the same PIN: a hardware token locks its user
 * PIN after a few wrong ones.
 */
public final class PinRefused extends SignerException {
  private static final long serialVersionUID = 1L;

  PinRefused(String message) {
    super(message);
  }
}
