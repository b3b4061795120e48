package org.ocspcluster.responder.http;

import org.ocspcluster.responder.ocsp.Answer;

/** Request metrics that count nothing, for tests about something else. */
final class NoMetrics implements RequestMetrics {
  @Override
  public void request(String method) {}

  @Override
  public void answered(Answer a, long nanos) {}
}
