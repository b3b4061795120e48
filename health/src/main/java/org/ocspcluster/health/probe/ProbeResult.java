package org.ocspcluster.health.probe;

/** A probe's verdict; {@code reason} says in words why it failed. */
public record ProbeResult(boolean passed, String reason) {
  static ProbeResult pass() {
    return new ProbeResult(true, "OCSP answers verified");
  }

  static ProbeResult fail(String reason) {
    return new ProbeResult(false, reason);
  }
}
