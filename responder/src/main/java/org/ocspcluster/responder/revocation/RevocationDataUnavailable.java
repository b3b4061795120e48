package org.ocspcluster.responder.revocation;

/** No usable revocation data: never loaded, or stale. The reason is for operators' logs. */
public final class RevocationDataUnavailable extends Exception {
  private static final long serialVersionUID = 1L;

  public RevocationDataUnavailable(String reason) {
    super(reason, null, false, false);
  }
}
