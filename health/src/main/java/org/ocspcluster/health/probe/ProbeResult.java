package org.ocspcluster.health.probe;

import java.time.Instant;

/**
 * A probe's verdict. {@code reason} says in words why it failed; {@code warning}, when not null, is
 * something to fix while the member still serves (a signer close to expiry); {@code nextUpdate} is
 * the answer's, when there was one; {@code status} is the certificate status a passing answer gave,
 * {@code data} its thisUpdate and signer.
 */
public record ProbeResult(
    boolean passed,
    String reason,
    String warning,
    Instant nextUpdate,
    String status,
    org.ocspcluster.health.AnswerData data) {

  public ProbeResult(
      boolean passed, String reason, String warning, Instant nextUpdate, String status) {
    this(passed, reason, warning, nextUpdate, status, null);
  }

  static ProbeResult pass(
      String warning, Instant nextUpdate, String status, org.ocspcluster.health.AnswerData data) {
    return new ProbeResult(true, "OCSP answer verified", warning, nextUpdate, status, data);
  }

  static ProbeResult fail(String reason) {
    return new ProbeResult(false, reason, null, null, null);
  }

  static ProbeResult fail(String reason, Instant nextUpdate) {
    return new ProbeResult(false, reason, null, nextUpdate, null);
  }
}
