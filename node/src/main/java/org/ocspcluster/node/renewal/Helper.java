package org.ocspcluster.node.renewal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an enrolment helper the way certmonger runs its CA helpers: {@code
 * CERTMONGER_OPERATION=SUBMIT} and the PEM request in {@code CERTMONGER_CSR}; the issued
 * certificate (PEM) on standard output and exit 0. Exit 1: the CA is working on it, standard output
 * holds a cookie, and the helper is asked again with {@code CERTMONGER_OPERATION=POLL} and the
 * cookie in {@code CERTMONGER_CA_COOKIE}. Exit 5: the same after a wait, its seconds on the first
 * line and the cookie (if any) on the second. Exit 3 (CA unreachable) or 6 (operation not
 * supported): submitted again later. Exit 2 or 4: the request is rejected (standard output says
 * why).
 */
final class Helper {
  enum Kind {
    ISSUED,
    TRY_LATER,
    REJECTED
  }

  /** What the helper answered; {@code cookie}: what to poll the CA with, when it is working. */
  record Result(Kind kind, String output, Duration delay, String cookie) {
    Result(Kind kind, String output, Duration delay) {
      this(kind, output, delay, null);
    }

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
    return run(command, csrPem, null, configuration, timeout);
  }

  /** Asks again about a request the CA is working on, with the cookie it gave. */
  static Result poll(
      List<String> command, String csrPem, String cookie, String configuration, Duration timeout)
      throws IOException {
    return run(command, csrPem, cookie, configuration, timeout);
  }

  private static Result run(
      List<String> command, String csrPem, String cookie, String configuration, Duration timeout)
      throws IOException {
    java.nio.file.Path out = java.nio.file.Files.createTempFile("ocsp-cluster-helper", ".out");
    java.nio.file.Path err = java.nio.file.Files.createTempFile("ocsp-cluster-helper", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().put("CERTMONGER_OPERATION", cookie == null ? "SUBMIT" : "POLL");
      builder.environment().put("CERTMONGER_CSR", csrPem);
      if (cookie != null) {
        builder.environment().put("CERTMONGER_CA_COOKIE", cookie);
      }
      builder.environment().put("OCSP_CLUSTER_CONFIGURATION", configuration);
      Process p = builder.start();
      boolean finished;
      try {
        finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        finished = false;
      }
      if (!finished) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        return new Result(Kind.TRY_LATER, "timed out after " + timeout.toSeconds() + " s", null);
      }
      String said = java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
      String errors = java.nio.file.Files.readString(err, StandardCharsets.UTF_8);
      return switch (p.exitValue()) {
        case 0 -> new Result(Kind.ISSUED, certificate(said), null);
        case 1 -> new Result(Kind.TRY_LATER, said + errors, null, line(said, 0));
        case 3, 6 -> new Result(Kind.TRY_LATER, said + errors, null);
        case 5 -> new Result(Kind.TRY_LATER, said + errors, seconds(said), line(said, 1));
        default -> new Result(Kind.REJECTED, said + errors, null);
      };
    } finally {
      java.nio.file.Files.deleteIfExists(out);
      java.nio.file.Files.deleteIfExists(err);
    }
  }

  /** The first PEM certificate of what the helper printed (it may print more). */
  private static String certificate(String said) {
    int from = said.indexOf("-----BEGIN CERTIFICATE-----");
    String end = "-----END CERTIFICATE-----";
    int to = said.indexOf(end, Math.max(0, from));
    return from < 0 || to < 0 ? said : said.substring(from, to + end.length()) + "\n";
  }

  /**
   * Line {@code n} of what the helper printed, stripped; null when there is none or it is empty.
   */
  private static String line(String said, int n) {
    List<String> lines = said.strip().lines().toList();
    if (lines.size() <= n || lines.get(n).isBlank()) {
      return null;
    }
    return lines.get(n).strip();
  }

  /** Exit 5's wait, kept within a second and a day. */
  private static Duration seconds(String out) {
    try {
      long s = Long.parseLong(out.strip().split("\\s+")[0]);
      return Duration.ofSeconds(Math.max(1, Math.min(86_400, s)));
    } catch (RuntimeException notANumber) {
      return null;
    }
  }
}
