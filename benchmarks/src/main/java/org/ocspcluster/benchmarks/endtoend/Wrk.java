package org.ocspcluster.benchmarks.endtoend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** wrk, the keep-alive load generator: its command line and the figures read from its report. */
final class Wrk {
  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");
  private static final Pattern SOCKET_ERRORS =
      Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

  private Wrk() {}

  static List<String> command(
      int threads, int connections, Duration duration, Path script, String url) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "wrk",
                "-t" + threads,
                "-c" + connections,
                "-d" + duration.toSeconds() + "s",
                "--latency"));
    if (script != null) {
      command.add("-s");
      command.add(script.toString());
    }
    command.add(url);
    return command;
  }

  /** A Lua script that makes every request a POST of {@code body} (an OCSP request). */
  static String postScript(Path body) {
    return """
        local f = assert(io.open("%s", "rb"))
        wrk.body = f:read("*a")
        f:close()
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/ocsp-request"
        """
        .formatted(body.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\""));
  }

  static Load parse(String report) {
    double rate = number(RATE, report, "Requests/sec");
    long total = (long) number(TOTAL, report, "requests in");
    long errors = 0;
    Matcher socket = SOCKET_ERRORS.matcher(report);
    if (socket.find()) {
      for (int g = 1; g <= 4; g++) {
        errors += Long.parseLong(socket.group(g));
      }
    }
    Matcher non2xx = NON_2XX.matcher(report);
    if (non2xx.find()) {
      errors += Long.parseLong(non2xx.group(1));
    }
    return new Load(rate, percentile(report, "50%"), percentile(report, "99%"), total, errors);
  }

  private static double percentile(String report, String label) {
    Matcher m =
        Pattern.compile(
                "^\\s+" + Pattern.quote(label) + "\\s+([0-9.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE)
            .matcher(report);
    if (!m.find()) {
      throw new IllegalArgumentException(
          "wrk's report has no " + label + " latency (was --latency given?):\n" + report);
    }
    double value = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> value / 1000;
      case "ms" -> value;
      case "s" -> value * 1000;
      default -> value * 60_000;
    };
  }

  private static double number(Pattern pattern, String report, String what) {
    Matcher m = pattern.matcher(report);
    if (!m.find()) {
      throw new IllegalArgumentException("wrk's report has no \"" + what + "\":\n" + report);
    }
    return Double.parseDouble(m.group(1));
  }
}
