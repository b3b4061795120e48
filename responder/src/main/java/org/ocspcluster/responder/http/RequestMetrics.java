package org.ocspcluster.responder.http;

import org.ocspcluster.responder.ocsp.Answer;

/** What the HTTP layer reports: each request as it arrives, and each OCSP answer as it leaves. */
public interface RequestMetrics {
  RequestMetrics NONE =
      new RequestMetrics() {
        @Override
        public void request(String method) {}

        @Override
        public void answered(Answer answer, long nanos) {}
      };

  /** {@code method} is GET, HEAD, POST or OTHER. */
  void request(String method);

  /** An OCSP response was written, {@code nanos} after its request was complete. */
  void answered(Answer answer, long nanos);
}
