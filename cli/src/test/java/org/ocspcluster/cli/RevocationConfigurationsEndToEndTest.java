package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;
import picocli.CommandLine;

/**
 * One member set serving two CAs, an ECDSA one from its CRL and an RSA one from its OpenSSL CA
 * database (responderID byName), asked through the balancer by OpenSSL, curl and Java's PKIX
 * checker; then the operator's verbs (refresh, assign-signer, signer-request) against it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RevocationConfigurationsEndToEndTest {
  @TempDir static Path dir;
  static DemoPki ec;
  static DemoPki rsa;
  static DemoPki stranger;
  Node cluster;
  DemoCluster.Ports ports;
  String url;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void startTwoCaCluster() throws Exception {
    int[] free = Clients.freePorts(4);
    ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    url = "http://localhost:" + ports.cluster() + "/";
    ec = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    rsa = DemoPki.create("localhost", ports.cluster(), DemoPki.KeyType.RSA);
    rsa.writeTo(dir.resolve("rsa"));
    Files.writeString(
        dir.resolve("rsa/index.txt"),
        "V\t301231235959Z\t\t"
            + rsa.good().getSerialNumber().toString(16).toUpperCase(Locale.ROOT)
            + "\tunknown\t/CN=good\n"
            + "R\t301231235959Z\t250102030405Z,keyCompromise\t"
            + rsa.revoked().getSerialNumber().toString(16)
            + "\tunknown\t/CN=revoked\n");
    stranger = DemoPki.create("localhost", ports.cluster(), DemoPki.KeyType.EC);
    stranger.writeTo(dir.resolve("stranger"));
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "admin:\n",
                """
          - name: rsa
            caCertificate: rsa/ca.pem
            signingCertificate: rsa/ocsp-signer.pem
            signingKey: rsa/ocsp-signer.key
            responderId: byName
            opensslIndex: rsa/index.txt
            profile: cabforum
        admin:
        """));
    cluster = new Node(ConfigLoader.load(yaml));
    cluster.startAllMembers();
    cluster.startBalancer();
    cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
    await().atMost(Duration.ofSeconds(30)).until(() -> adminGet("/ready").statusCode() == 200);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private Clients.Run openssl(String ca, String... extra) throws Exception {
    return Clients.openssl(dir.resolve(ca), url, extra);
  }

  private String cert(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  @Order(1)
  void ecdsaAndRsaSignedConfigurationsAnswerOnTheSameMembers() throws Exception {
    Clients.Run ecRun = openssl("ca.pem", "-cert", cert("good.pem"), "-cert", cert("revoked.pem"));
    assertTrue(
        ecRun.out().contains("good.pem: good") && ecRun.out().contains("revoked.pem: revoked"),
        ecRun.out());
    assertTrue(ecRun.out().contains("Response verify OK"), ecRun.out());
    Clients.Run rsaRun =
        openssl(
            "rsa/ca.pem",
            "-cert",
            cert("rsa/good.pem"),
            "-cert",
            cert("rsa/revoked.pem"),
            "-resp_text");
    assertTrue(rsaRun.out().contains("rsa/good.pem: good"), rsaRun.out());
    assertTrue(
        rsaRun.out().contains("rsa/revoked.pem: revoked")
            && rsaRun.out().contains("Reason: keyCompromise"),
        rsaRun.out());
    assertTrue(rsaRun.out().contains("Response verify OK"), rsaRun.out());
    assertTrue(rsaRun.out().contains("Signature Algorithm: sha256WithRSAEncryption"), rsaRun.out());
    assertTrue(
        rsaRun.out().contains("Responder Id: CN = ocsp-cluster demo OCSP signer"),
        "byName: " + rsaRun.out());
    // profile cabforum: a 7-day validity interval, counted inclusively (Baseline Requirements).
    java.util.regex.Matcher window =
        java.util.regex.Pattern.compile("This Update: (.+?)\\s*\\n\\s*Next Update: (.+?)\\s*\\n")
            .matcher(rsaRun.out());
    assertTrue(window.find(), rsaRun.out());
    assertEquals(
        Duration.ofDays(7).minusSeconds(1),
        Duration.between(opensslTime(window.group(1)), opensslTime(window.group(2))),
        rsaRun.out());
  }

  private static Instant opensslTime(String text) {
    return java.time.ZonedDateTime.parse(
            text.trim().replaceAll("\\s+", " "),
            java.time.format.DateTimeFormatter.ofPattern("MMM d HH:mm:ss yyyy z", Locale.ENGLISH))
        .toInstant();
  }

  @Test
  @Order(2)
  void serialTheCaNeverIssuedIsUnknown() throws Exception {
    Clients.Run run = openssl("rsa/ca.pem", "-serial", "0x99");
    assertTrue(run.out().contains("0x99: unknown"), run.out());
    assertTrue(run.out().contains("Response verify OK"), run.out());
  }

  @Test
  @Order(3)
  void issuerNotServedIsUnauthorized() throws Exception {
    Clients.Run run = openssl("stranger/ca.pem", "-cert", cert("stranger/good.pem"));
    assertTrue(run.out().contains("Responder Error: unauthorized (6)"), run.out());
  }

  @Test
  @Order(4)
  void sha256CertIdIsEchoedAndTheNonceVerified() throws Exception {
    Clients.Run run = openssl("ca.pem", "-sha256", "-cert", cert("good.pem"), "-resp_text");
    assertTrue(run.out().contains("Hash Algorithm: sha256"), run.out());
    assertTrue(run.out().contains("good.pem: good"), run.out());
    assertTrue(run.out().contains("OCSP Nonce"), "the nonce is echoed: " + run.out());
    assertFalse(
        run.out().contains("WARNING"),
        "OpenSSL checked the nonce and found nothing amiss: " + run.out());
  }

  @Test
  @Order(5)
  void javaPkixCheckerAcceptsAndRejectsThroughTheRsaConfiguration() throws Exception {
    Clients.pkixValidate(dir.resolve("rsa/ca.pem"), dir.resolve("rsa/good.pem"));
    CertPathValidatorException e =
        assertThrows(
            CertPathValidatorException.class,
            () -> Clients.pkixValidate(dir.resolve("rsa/ca.pem"), dir.resolve("rsa/revoked.pem")));
    assertEquals(CertPathValidatorException.BasicReason.REVOKED, e.getReason());
  }

  @Test
  @Order(6)
  void curlGetGetsCachingHeadersAnd304OnIfNoneMatch() throws Exception {
    Path request = dir.resolve("good.req");
    Clients.run(
        List.of(
            "openssl",
            "ocsp",
            "-issuer",
            cert("ca.pem"),
            "-cert",
            cert("good.pem"),
            "-no_nonce",
            "-reqout",
            request.toString()));
    String get =
        url
            + URLEncoder.encode(
                Base64.getEncoder().encodeToString(Files.readAllBytes(request)),
                StandardCharsets.US_ASCII);
    Clients.Run first =
        Clients.run(
            List.of("curl", "-s", "-D", "-", "-o", dir.resolve("good.resp").toString(), get));
    assertTrue(first.out().startsWith("HTTP/1.1 200"), first.out());
    assertTrue(
        first
            .out()
            .matches("(?s).*cache-control: max-age=\\d+, public, no-transform, must-revalidate.*"),
        first.out());
    assertTrue(
        first.out().contains("expires: ") && first.out().contains("last-modified: "), first.out());
    String etag =
        first
            .out()
            .lines()
            .filter(l -> l.startsWith("etag: "))
            .findFirst()
            .orElseThrow()
            .substring(6)
            .trim();
    Clients.Run parsed =
        Clients.run(
            List.of(
                "openssl",
                "ocsp",
                "-respin",
                dir.resolve("good.resp").toString(),
                "-issuer",
                cert("ca.pem"),
                "-CAfile",
                cert("ca.pem"),
                "-cert",
                cert("good.pem")));
    assertTrue(
        parsed.out().contains("good.pem: good") && parsed.out().contains("Response verify OK"),
        parsed.out());

    Clients.Run second =
        Clients.run(
            List.of(
                "curl", "-s", "-D", "-", "-o", "/dev/null", "-H", "If-None-Match: " + etag, get));
    assertTrue(second.out().startsWith("HTTP/1.1 304"), second.out());
  }

  @Test
  @Order(7)
  void aRevocationAppearsAfterRefreshRevocationData() throws Exception {
    BigInteger serial = BigInteger.valueOf(0x77);
    assertTrue(openssl("ca.pem", "-serial", "0x77", "-no_nonce").out().contains("0x77: good"));
    // A CRL is new when its thisUpdate is later than the one in force (whole seconds), however fast
    // this runs.
    Instant inForce = Pem.readCrl(dir.resolve("ca.crl")).getThisUpdate().toInstant();
    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    if (!now.isAfter(inForce)) {
      now = inForce.plusSeconds(1);
    }
    Pem.write(
        dir.resolve("ca.crl"),
        ec.crl(now, now.plus(Duration.ofDays(30)), Map.of(serial, CRLReason.superseded)));
    StringWriter out = new StringWriter();
    int exit = cli(out, "refresh", "--admin", "127.0.0.1:" + ports.admin());
    assertEquals(0, exit, out.toString());
    assertTrue(out.toString().contains("  demo: loaded\n"), out.toString());
    Clients.Run after = openssl("ca.pem", "-serial", "0x77", "-no_nonce");
    assertTrue(
        after.out().contains("0x77: revoked") && after.out().contains("Reason: superseded"),
        after.out());
  }

  @Test
  @Order(8)
  void crlSignedByTheWrongKeyIsRefusedAndTheOldOneStays() throws Exception {
    // Same CA name, other key: only the signature check can tell.
    DemoPki impostor = DemoPki.create("localhost", ports.cluster(), DemoPki.KeyType.EC);
    Pem.write(dir.resolve("ca.crl"), impostor.crl(Instant.now().plusSeconds(1)));
    StringWriter out = new StringWriter();
    assertEquals(1, cli(out, "refresh", "--admin", "127.0.0.1:" + ports.admin()));
    assertTrue(out.toString().contains("  demo: refused\n"), out.toString());
    Clients.Run run = openssl("ca.pem", "-serial", "0x77");
    assertTrue(
        run.out().contains("0x77: revoked"), "the last good CRL is still in force: " + run.out());
    String metrics = adminGet("/metrics").body();
    assertTrue(
        Clients.sum(metrics, "ocsp_revocation_source_refresh_total", "result=\"refused\"") >= 2,
        metrics);
  }

  @Test
  @Order(9)
  void anEnrolledSignerIsAssignedWithoutARestart() throws Exception {
    StringWriter out = new StringWriter();
    assertEquals(
        0,
        cli(
            out,
            "signer-request",
            "--config",
            dir.resolve("cluster.yaml").toString(),
            "--member",
            "responder-1",
            "--configuration",
            "demo",
            "--out",
            dir.resolve("enrol").toString()),
        out.toString());
    Path csr = dir.resolve("enrol/demo-responder-1-signer.csr");
    Path key = dir.resolve("enrol/demo-responder-1-signer.key");
    Path issued = dir.resolve("enrol/signer.pem");
    Clients.Run ca =
        Clients.run(
            List.of(
                "openssl",
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                cert("ca.pem"),
                "-CAkey",
                cert("ca.key"),
                "-copy_extensions",
                "copy",
                "-days",
                "30",
                "-out",
                issued.toString()));
    assertEquals(0, ca.exit(), ca.out());
    out = new StringWriter();
    assertEquals(
        0,
        cli(
            out,
            "assign-signer",
            "--configuration",
            "demo",
            "--certificate",
            issued.toString(),
            "--key",
            key.toString(),
            "--admin",
            "127.0.0.1:" + ports.admin()),
        out.toString());
    Clients.Run run = openssl("ca.pem", "-cert", cert("good.pem"), "-resp_text", "-no_nonce");
    assertTrue(
        run.out().contains("responder-1 OCSP signer for demo"),
        "signed by the new signer: " + run.out());
    assertTrue(run.out().contains("Response verify OK"), run.out());

    out = new StringWriter();
    assertNotEquals(
        0,
        cli(
            out,
            "assign-signer",
            "--configuration",
            "demo",
            "--certificate",
            cert("good.pem"),
            "--key",
            key.toString(),
            "--admin",
            "127.0.0.1:" + ports.admin()),
        "a leaf certificate is refused as a signer");
    assertTrue(out.toString().contains("old one stays in force"), out.toString());
  }

  @Test
  @Order(10)
  void metricsShowRequestsCacheSignaturesSourcesAndSigners() throws Exception {
    String metrics = adminGet("/metrics").body();
    assertTrue(Clients.sum(metrics, "ocsp_requests_total", "method=\"POST\"") > 0, metrics);
    assertTrue(Clients.sum(metrics, "ocsp_requests_total", "method=\"GET\"") > 0, metrics);
    assertTrue(
        Clients.sum(metrics, "ocsp_cache_hits_total", "configuration=\"demo\"") > 0, metrics);
    assertTrue(
        Clients.sum(metrics, "ocsp_responses_total", "configuration=\"rsa\"", "status=\"unknown\"")
            >= 1,
        metrics);
    assertTrue(
        Clients.sum(
                metrics,
                "ocsp_responses_total",
                "configuration=\"none\"",
                "status=\"unauthorized\"")
            >= 1,
        metrics);
    assertTrue(
        Clients.sum(metrics, "ocsp_signer_not_after_seconds", "configuration=\"rsa\"")
            > Instant.now().getEpochSecond(),
        metrics);
    assertTrue(
        Clients.sum(metrics, "ocsp_revocation_source_next_update_seconds", "configuration=\"demo\"")
            > Instant.now().getEpochSecond(),
        metrics);
    assertTrue(metrics.contains("ocsp_request_duration_seconds_bucket{"), metrics);
  }

  private static int cli(StringWriter out, String... args) {
    CommandLine cli = Main.commandLine();
    PrintWriter writer = new PrintWriter(out, true);
    cli.setOut(writer);
    cli.setErr(writer);
    return cli.execute(args);
  }

  private HttpResponse<String> adminGet(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.admin() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
