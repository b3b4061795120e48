package org.ocspcluster.responder;

/** A member that cannot start, with the reason and, where there is one, the fix. */
public final class ResponderException extends Exception {
  private static final long serialVersionUID = 1L;

  public ResponderException(String message) {
    super(message);
  }
}
