package org.ocspcluster.responder.revocation;

import java.time.Instant;

/** What the revocation data says of one serial number. */
public sealed interface CertStatus {

  /** Not revoked, as far as the source knows. */
  record Good() implements CertStatus {}

  /**
   * Revoked at {@code time}; {@code reason} is the CRLReason code, or -1 when the CRL gave none.
   */
  record Revoked(Instant time, int reason) implements CertStatus {}

  /** The source cannot say (e.g. a serial it knows it never issued, when configured so). */
  record Unknown() implements CertStatus {}

  CertStatus GOOD = new Good();
  CertStatus UNKNOWN = new Unknown();
}
