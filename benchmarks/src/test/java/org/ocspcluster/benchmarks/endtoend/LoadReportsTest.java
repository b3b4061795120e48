package org.ocspcluster.benchmarks.endtoend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadReportsTest {

  @Test
  void wrkReportGivesRateLatencyPercentilesInMillisAndErrors() {
    String report =
        """
        Running 8s test @ http://127.0.0.1:21080/
          1 threads and 32 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     1.13ms    2.21ms  44.09ms   94.43%
            Req/Sec    27.15k     3.01k   31.62k    72.50%
          Latency Distribution
             50%  848.00us
             75%    1.10ms
             90%    1.71ms
             99%    1.20s
          216183 requests in 8.00s, 182.66MB read
          Socket errors: connect 0, read 3, write 0, timeout 2
          Non-2xx or 3xx responses: 7
        Requests/sec:  27014.37
        Transfer/sec:     22.82MB
        """;
    Load load = Wrk.parse(report);
    assertEquals(27014.37, load.requestsPerSecond(), 1e-9);
    assertEquals(0.848, load.p50Millis(), 1e-9);
    assertEquals(1200.0, load.p99Millis(), 1e-9);
    assertEquals(216183, load.requests());
    assertEquals(12, load.errors());
  }

  @Test
  void wrkReportWithoutLatencyDistributionIsRefusedNotGuessed() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Wrk.parse("Requests/sec: 10\n 10 requests in 1.00s\n"));
  }

  @Test
  void abLengthMismatchesAreNotCountedAsErrorsButConnectAndReceiveFailuresAre() {
    String report =
        """
        Complete requests:      40000
        Failed requests:        20112
           (Connect: 2, Receive: 1, Length: 20109, Exceptions: 0)
        Non-2xx responses:      4
        Requests per second:    9643.24 [#/sec] (mean)
        """;
    Load load =
        Ab.parse(
            report,
            List.of("Percentage served,Time in ms", "0,0.478", "50,1.360", "99,3.789", "100,32.3"));
    assertEquals(9643.24, load.requestsPerSecond(), 1e-9);
    assertEquals(1.360, load.p50Millis(), 1e-9);
    assertEquals(3.789, load.p99Millis(), 1e-9);
    assertEquals(40000, load.requests());
    assertEquals(7, load.errors());
  }

  @Test
  void ratiosArePairedRoundByRoundAndTheWarmUpIsLeftOut() {
    List<Run> runs =
        List.of(
            run("s", "A", 0, 1), run("s", "B", 0, 1000),
            run("s", "A", 1, 200), run("s", "B", 1, 100),
            run("s", "B", 2, 100), run("s", "A", 2, 100),
            run("s", "A", 3, 150), run("s", "B", 3, 100));
    Comparison c =
        new Comparison(
            "A vs B", "s", "A", "B", Comparison.Metric.THROUGHPUT, Comparison.Target.atLeast(1.6));
    Comparison.Outcome o = c.outcome(runs).orElseThrow();
    assertEquals(3, o.ratios().length);
    assertEquals(1.5, o.median(), 1e-9);
    assertEquals(1.0, o.min(), 1e-9);
    assertEquals(2.0, o.max(), 1e-9);
    assertFalse(o.met());
    assertTrue(Comparison.Target.atMost(1.0).metBy(0.9));
  }

  @Test
  void reportNamesMissedTargetsAndDrawsOneBarPerComparison() {
    List<Run> runs = List.of(run("s", "A", 1, 50), run("s", "B", 1, 100));
    Report report =
        new Report(
            runs,
            List.of(
                new Comparison(
                    "A vs B",
                    "s",
                    "A",
                    "B",
                    Comparison.Metric.THROUGHPUT,
                    Comparison.Target.atLeast(0.8))),
            List.of(
                new Report.Check("heap per entry", 150, "bytes", Comparison.Target.atMost(200))));
    assertTrue(
        report
            .table()
            .contains("| A vs B | req/s | 0.50x | 0.50-0.50 (1 rounds) | >= 0.8x | **no** |"),
        report.table());
    assertTrue(
        report
            .table()
            .contains("| heap per entry | bytes | 150.0 bytes | one run | <= 200.0 bytes | yes |"),
        report.table());
    assertEquals(1, report.svg().split("<rect x=", -1).length - 1);
    assertTrue(
        report.summaryCsv().contains("A vs B,req/s,0.500,0.500,0.500,1,>= 0.8x,false"),
        report.summaryCsv());
  }

  private static Run run(String section, String target, int round, double rate) {
    return new Run(section, target, round, new Load(rate, 1, 2, 10, 0), 1, 1, 1);
  }
}
