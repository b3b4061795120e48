package org.ocspcluster.node.renewal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an enrolment helper the way certmonger runs its CA helpers: {@code
 * CERTMONGER_OPERATION=SUBMIT} and the PEM request in {@code CERTMONGER_CSR}; the issued
 * certificate (PEM) on standard output and exit 0; exit 1, 3 or 5 to be asked again later (with 5,
 * standard output says after how many seconds); exit 2 or 4 when the request is rejected (standard
 * output says why).
 */
final class Helper {
  enum Kind {
    ISSUED,
    TRY_LATER,
    REJECTED
  }

  record Result(Kind kind, String output, Duration delay) {
    /** What the helper said, on one line. */
    String said() {
      String line = output.strip().replaceAll("\\s+", " ");
      return line.isEmpty()
          ? "(nothing)"
          : line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
  }

  private Helper() {}

  static Result submit(List<String> command, String csrPem, String configuration, Duration timeout)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("CERTMONGER_OPERATION", "SUBMIT");
    builder.environment().put("CERTMONGER_CSR", csrPem);
    builder.environment().put("OCSP_CLUSTER_CONFIGURATION", configuration);
    Process p = builder.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Result(Kind.TRY_LATER, "timed out after " + timeout.toSeconds() + " s", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
    return switch (p.exitValue()) {
      case 0 -> new Result(Kind.ISSUED, out, null);
      case 1, 3 -> new Result(Kind.TRY_LATER, out, null);
      case 5 -> new Result(Kind.TRY_LATER, out, seconds(out));
      default -> new Result(Kind.REJECTED, out, null);
    };
  }

  private static Duration seconds(String out) {
    try {
      return Duration.ofSeconds(Long.parseLong(out.strip().split("\\s+")[0]));
    } catch (RuntimeException notANumber) {
      return null;
    }
  }
}
