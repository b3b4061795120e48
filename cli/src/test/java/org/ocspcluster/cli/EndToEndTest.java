package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.cli.up.ClusterProcess;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.responder.pki.DemoPki;

/**
 * The whole path a relying party takes: the cluster FQDN and port from the certificate's AIA, the
 * balancer, a member, a signed answer; asked by clients nobody here wrote (OpenSSL and Java's own
 * PKIX revocation checker), then counted in the metrics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndTest {
  @TempDir
  static Path dir;
  ClusterProcess cluster;
  DemoCluster.Ports ports;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void startTheWholeCluster() throws Exception {
    int[] free = freePorts(4);
    ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    ClusterConfig config = ConfigLoader.load(dir.resolve(DemoCluster.CONFIG_FILE));
    cluster = new ClusterProcess(config);
    cluster.startAllMembers();
    cluster.startBalancer();
    cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
    await().atMost(Duration.ofSeconds(30)).until(() -> get("/ready").statusCode() == 200);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void opensslGetsAVerifiedGoodAnswerThroughTheBalancer() throws Exception {
    String out = openssl("good.pem");
    assertTrue(out.contains("good.pem: good"), out);
    assertTrue(out.contains("Response verify OK"), out);
  }

  @Test
  @Order(2)
  void opensslGetsRevokedWithReasonAndTime() throws Exception {
    String out = openssl("revoked.pem");
    assertTrue(out.contains("revoked.pem: revoked"), out);
    assertTrue(out.contains("Reason: keyCompromise"), out);
    assertTrue(out.contains("Revocation Time:"), out);
    assertTrue(out.contains("Response verify OK"), out);
  }

  @Test
  @Order(3)
  void javaPkixRevocationCheckerAcceptsTheGoodCertificate() throws Exception {
    validate("good.pem");
  }

  @Test
  @Order(4)
  void javaPkixRevocationCheckerRejectsTheRevokedCertificate() {
    CertPathValidatorException e = assertThrows(CertPathValidatorException.class, () -> validate("revoked.pem"));
    assertEquals(CertPathValidatorException.BasicReason.REVOKED, e.getReason(), e.getMessage());
  }

  @Test
  @Order(5)
  void metricsCountedTheClientsRequests() throws Exception {
    String metrics = get("/metrics").body();
    // Probes ask about a serial that is never revoked, so every revoked answer went to a client.
    assertEquals(2.0, sum(metrics, "ocsp_responses_total", "status=\"revoked\""), metrics);
    assertTrue(sum(metrics, "ocsp_responses_total", "status=\"good\"") >= 2.0, metrics);
    // OpenSSL opens a connection per query; Java at least one for its two.
    assertTrue(sum(metrics, "nlb_connections_total", "rule=\"ocsp-http\"") >= 3.0, metrics);
    assertTrue(metrics.contains("nlb_active_connections{member=\"responder-1\"}"), metrics);
  }

  @Test
  @Order(6)
  void aMemberThatDiesIsTakenOutWithAReasonAndClientsKeepGettingAnswers() throws Exception {
    cluster.stopMember("responder-2");
    await().atMost(Duration.ofSeconds(20)).until(
        () -> cluster.health().health("responder-2").state() == MemberHealth.State.DOWN);
    assertTrue(cluster.health().health("responder-2").reason().contains("no OCSP answer"),
        cluster.health().health("responder-2").reason());
    double before = sum(get("/metrics").body(), "nlb_connections_total", "member=\"responder-2\"");
    for (int i = 0; i < 4; i++) {
      assertTrue(openssl("good.pem").contains("good.pem: good"));
    }
    String metrics = get("/metrics").body();
    assertEquals(before, sum(metrics, "nlb_connections_total", "member=\"responder-2\""), metrics);
    assertEquals(200, get("/ready").statusCode(), "one member up is enough to be ready");
  }

  private String openssl(String leaf) throws Exception {
    Process process = new ProcessBuilder("openssl", "ocsp",
        "-issuer", dir.resolve("ca.pem").toString(),
        "-CAfile", dir.resolve("ca.pem").toString(),
        "-cert", dir.resolve(leaf).toString(),
        "-url", "http://localhost:" + ports.cluster() + "/")
        .redirectErrorStream(true)
        .start();
    String out;
    try (InputStream in = process.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "openssl finished");
    assertEquals(0, process.exitValue(), out);
    return out;
  }

  private void validate(String leaf) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    X509Certificate ca;
    X509Certificate cert;
    try (InputStream a = Files.newInputStream(dir.resolve("ca.pem"));
        InputStream b = Files.newInputStream(dir.resolve(leaf))) {
      ca = (X509Certificate) factory.generateCertificate(a);
      cert = (X509Certificate) factory.generateCertificate(b);
    }
    CertPathValidator validator = CertPathValidator.getInstance("PKIX");
    PKIXRevocationChecker checker = (PKIXRevocationChecker) validator.getRevocationChecker();
    // OCSP only, from the certificate's AIA, with no fallback to CRLs: the cluster must answer.
    checker.setOptions(EnumSet.of(PKIXRevocationChecker.Option.ONLY_END_ENTITY,
        PKIXRevocationChecker.Option.NO_FALLBACK));
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
    params.addCertPathChecker(checker);
    validator.validate(factory.generateCertPath(List.of(cert)), params);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.admin() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double sum(String metrics, String name, String label) {
    Matcher m = Pattern.compile("^" + name + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
    double total = 0;
    while (m.find()) {
      if (m.group(1).contains(label)) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  static int[] freePorts(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
    return ports;
  }
}
