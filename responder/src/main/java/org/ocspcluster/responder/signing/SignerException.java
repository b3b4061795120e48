package org.ocspcluster.responder.signing;

/** A signing credential that cannot be used, with the reason in words. */
public class SignerException extends Exception {
  private static final long serialVersionUID = 1L;

  public SignerException(String message) {
    super(message);
  }
}
