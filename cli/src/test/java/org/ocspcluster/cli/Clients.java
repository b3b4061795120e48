package org.ocspcluster.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The independent clients the end-to-end tests use (OpenSSL, curl, Java's PKIX), and small helpers.
 */
final class Clients {
  private Clients() {}

  /** What a command printed (stdout and stderr together) and how it exited. */
  record Run(int exit, String out) {}

  /**
   * A member in a JVM of its own ({@code responder --config FILE --member NAME}), its output
   * appended to NAME.log beside the configuration.
   */
  static Process memberProcess(Path config, String name, String... jvmOptions) throws IOException {
    return process(
        config.resolveSibling(name + ".log"),
        List.of(jvmOptions),
        "responder",
        "--config",
        config.toString(),
        "--member",
        name);
  }

  /** `ocsp-cluster ARGS` in a JVM of its own, appending what it says to {@code log}. */
  static Process process(Path log, List<String> jvmOptions, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + "/bin/java");
    command.add("-Xmx256m");
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /**
   * `openssl ocsp` for the demo's good.pem (in {@code dir}) at {@code url}: asserts the answer
   * verified and good, and returns what openssl printed.
   */
  static Run verifiedGood(Path dir, String url, String... extra)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("-cert", dir.resolve("good.pem").toString()));
    args.addAll(List.of(extra));
    Run run = openssl(dir.resolve("ca.pem"), url, args.toArray(String[]::new));
    assertTrue(run.out().contains("Response verify OK"), run.out());
    assertTrue(run.out().contains(": good"), run.out());
    return run;
  }

  /** What `openssl ocsp -resp_text` prints of the demo's good.pem (in {@code dir}) at a port. */
  static String goodAnswerText(Path dir, int port) throws IOException, InterruptedException {
    return openssl(
            dir.resolve("ca.pem"),
            "http://127.0.0.1:" + port + "/",
            "-cert",
            dir.resolve("good.pem").toString(),
            "-resp_text")
        .out();
  }

  static Run run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out;
    try (InputStream in = process.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished: " + command);
    return new Run(process.exitValue(), out);
  }

  /** What an ocsp-cluster verb printed (stdout and stderr together) and its exit status. */
  record Said(int exit, String out) {}

  /** Runs an ocsp-cluster verb in this JVM, as the launcher would. */
  static Said cli(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    java.io.PrintWriter writer = new java.io.PrintWriter(out, true);
    cli.setOut(writer);
    cli.setErr(writer);
    return new Said(cli.execute(args), out.toString());
  }

  /**
   * Writes {@code target}: the demo's cluster.yaml with a second revocation configuration,
   * "second", for the demo PKI written under {@code second/}.
   */
  static Path withSecondCa(Path demoYaml, Path target) throws IOException {
    Files.writeString(
        target,
        Files.readString(demoYaml)
            .replace(
                "admin:\n",
                """
          - name: second
            caCertificate: second/ca.pem
            signingCertificate: second/ocsp-signer.pem
            signingKey: second/ocsp-signer.key
            crl: second/ca.crl
        admin:
        """));
    return target;
  }

  /**
   * {@code openssl ocsp} against {@code url} with the CA as issuer and trust anchor, then {@code
   * extra}.
   */
  static Run openssl(Path ca, String url, String... extra)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "openssl",
                "ocsp",
                "-issuer",
                ca.toString(),
                "-CAfile",
                ca.toString(),
                "-url",
                url));
    command.addAll(List.of(extra));
    return run(command);
  }

  /**
   * Validates {@code leaf} against {@code ca} with Java's PKIX checker: OCSP from the AIA only, no
   * fallback.
   */
  static void pkixValidate(Path ca, Path leaf) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    X509Certificate anchor;
    X509Certificate cert;
    try (InputStream a = Files.newInputStream(ca);
        InputStream b = Files.newInputStream(leaf)) {
      anchor = (X509Certificate) factory.generateCertificate(a);
      cert = (X509Certificate) factory.generateCertificate(b);
    }
    CertPathValidator validator = CertPathValidator.getInstance("PKIX");
    PKIXRevocationChecker checker = (PKIXRevocationChecker) validator.getRevocationChecker();
    checker.setOptions(
        EnumSet.of(
            PKIXRevocationChecker.Option.ONLY_END_ENTITY,
            PKIXRevocationChecker.Option.NO_FALLBACK));
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
    params.addCertPathChecker(checker);
    validator.validate(factory.generateCertPath(List.of(cert)), params);
  }

  /**
   * One OCSP POST of {@code body} on a new connection to 127.0.0.1:{@code port}, as OCSP clients
   * send it (one request, then close); the answer's OCSP bytes, or an IOException saying what came
   * instead.
   */
  static byte[] postOnNewConnection(int port, byte[] body) throws IOException {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(10_000);
      java.io.OutputStream out = s.getOutputStream();
      out.write(
          ("POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  + "Content-Type: application/ocsp-request\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      byte[] all = s.getInputStream().readAllBytes();
      String text = new String(all, java.nio.charset.StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.1 200") || split < 0) {
        throw new IOException("HTTP: " + text.lines().findFirst().orElse("(nothing)"));
      }
      return java.util.Arrays.copyOfRange(all, split + 4, all.length);
    }
  }

  /** The sum of every sample of {@code name} whose labels contain each of {@code labels}. */
  /** The admin listener's /metrics at {@code admin} (HOST:PORT). */
  static String scrape(String admin) throws IOException, InterruptedException {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://" + admin + "/metrics"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** An untagged meter's value in a scrape; NaN when absent. */
  static double value(String metrics, String name) {
    Matcher m = Pattern.compile("^" + name + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  static double sum(String metrics, String name, String... labels) {
    Matcher m =
        Pattern.compile("^" + name + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
    double total = 0;
    while (m.find()) {
      String found = m.group(1);
      if (java.util.Arrays.stream(labels).allMatch(found::contains)) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  static int[] freePorts(int n) throws IOException {
    return org.ocspcluster.testing.FreePorts.take(n);
  }
}
