package org.ocspcluster.health.probe;

import java.time.Instant;

/**
 * A probe's verdict. {@code reason} says in words why it failed; {@code warning}, when not null, is
 * something to fix while the member still serves (a signer close to expiry); {@code nextUpdate} is
 * the answer's, when there was one.
 */
public record ProbeResult(boolean passed, String reason, String warning, Instant nextUpdate) {
  static ProbeResult pass(String warning, Instant nextUpdate) {
    return new ProbeResult(true, "OCSP answer verified", warning, nextUpdate);
  }

  static ProbeResult fail(String reason) {
    return new ProbeResult(false, reason, null, null);
  }

  static ProbeResult fail(String reason, Instant nextUpdate) {
    return new ProbeResult(false, reason, null, nextUpdate);
  }
}
