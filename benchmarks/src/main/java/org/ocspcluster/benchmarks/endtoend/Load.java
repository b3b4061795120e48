package org.ocspcluster.benchmarks.endtoend;

/**
 * What one load run measured, as the load tool (wrk or ab) reported it: throughput, latency
 * percentiles, and the requests that failed (socket errors and non-2xx answers).
 */
record Load(
    double requestsPerSecond, double p50Millis, double p99Millis, long requests, long errors) {

  /** A rate measured by a tool that reports no latency (JMH). */
  static Load rateOnly(double perSecond) {
    return new Load(perSecond, Double.NaN, Double.NaN, 0, 0);
  }
}
