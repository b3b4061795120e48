package org.ocspcluster.responder.ocsp;

import java.util.Locale;

/** How a request ended, as counted in {@code ocsp_responses_total{status}}. */
public enum Outcome {
  GOOD,
  REVOKED,
  UNKNOWN,
  MALFORMED,
  UNAUTHORIZED,
  TRY_LATER,
  INTERNAL_ERROR;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
