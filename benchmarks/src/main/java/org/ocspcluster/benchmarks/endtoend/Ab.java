package org.ocspcluster.benchmarks.endtoend;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ApacheBench, the new-connection-per-request load generator. wrk is not used for that mode: its
 * start-up connectivity check opens and closes a connection without a request, and {@code openssl
 * ocsp} (3.0) then spins on that connection forever. ab sends a fixed number of requests, so no
 * connection is cut mid-request at the end either.
 */
final class Ab {
  private static final Pattern RATE = Pattern.compile("Requests per second:\\s+([0-9.]+)");
  private static final Pattern COMPLETE = Pattern.compile("Complete requests:\\s+(\\d+)");
  private static final Pattern FAILED =
      Pattern.compile("\\(Connect: (\\d+), Receive: (\\d+), Length: (\\d+), Exceptions: (\\d+)\\)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx responses:\\s+(\\d+)");

  private Ab() {}

  static List<String> command(
      int connections, long requests, Path body, Path percentiles, String url) {
    return List.of(
        "ab",
        "-q",
        "-c",
        Integer.toString(connections),
        "-n",
        Long.toString(requests),
        "-s",
        "10",
        "-e",
        percentiles.toString(),
        "-p",
        body.toString(),
        "-T",
        "application/ocsp-request",
        url);
  }

  /**
   * Reads ab's report and its percentile CSV. "Length" failures are not errors here: ab counts any
   * response whose length differs from the first one, and ECDSA signatures vary by a byte or two.
   */
  static Load parse(String report, List<String> percentileCsv) {
    double rate = number(RATE, report, "Requests per second");
    long complete = (long) number(COMPLETE, report, "Complete requests");
    long errors = 0;
    Matcher failed = FAILED.matcher(report);
    if (failed.find()) {
      errors =
          Long.parseLong(failed.group(1))
              + Long.parseLong(failed.group(2))
              + Long.parseLong(failed.group(4));
    }
    Matcher non2xx = NON_2XX.matcher(report);
    if (non2xx.find()) {
      errors += Long.parseLong(non2xx.group(1));
    }
    return new Load(
        rate, percentile(percentileCsv, 50), percentile(percentileCsv, 99), complete, errors);
  }

  private static double percentile(List<String> csv, int p) {
    for (String line : csv) {
      String[] cells = line.split(",");
      if (cells.length == 2 && cells[0].trim().equals(Integer.toString(p))) {
        return Double.parseDouble(cells[1].trim());
      }
    }
    throw new IllegalArgumentException("ab's percentile file has no " + p + "% line");
  }

  private static double number(Pattern pattern, String report, String what) {
    Matcher m = pattern.matcher(report);
    if (!m.find()) {
      throw new IllegalArgumentException("ab's report has no \"" + what + "\":\n" + report);
    }
    return Double.parseDouble(m.group(1));
  }
}
