package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * The whole path a relying party takes: the cluster FQDN and port from the certificate's AIA, the
 * balancer, a member, a signed answer; asked by clients nobody here wrote (OpenSSL and Java's own
 * PKIX revocation checker), then counted in the metrics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndTest {
  @TempDir static Path dir;
  Node cluster;
  DemoCluster.Ports ports;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void startTheWholeCluster() throws Exception {
    int[] free = Clients.freePorts(4);
    ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    ClusterConfig config = ConfigLoader.load(dir.resolve(DemoCluster.CONFIG_FILE));
    cluster = new Node(config);
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
    CertPathValidatorException e =
        assertThrows(CertPathValidatorException.class, () -> validate("revoked.pem"));
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
    // Single affinity sends this client to one member: kill that one.
    String metrics = get("/metrics").body();
    String busy =
        sum(metrics, "nlb_connections_total", "member=\"responder-1\"")
                >= sum(metrics, "nlb_connections_total", "member=\"responder-2\"")
            ? "responder-1"
            : "responder-2";
    long stoppedAt = System.nanoTime();
    cluster.stopMember(busy);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cluster.health().health(busy).state() == MemberHealth.State.DOWN);
    System.out.printf(
        "health: %s stopped with no traffic; probes removed it after %d ms (interval 2 s, fall 2)%n",
        busy, (System.nanoTime() - stoppedAt) / 1_000_000);
    assertTrue(
        cluster.health().health(busy).reason().contains("no OCSP answer"),
        cluster.health().health(busy).reason());
    double before = sum(get("/metrics").body(), "nlb_connections_total", "member=\"" + busy + "\"");
    for (int i = 0; i < 4; i++) {
      assertTrue(openssl("good.pem").contains("good.pem: good"));
    }
    assertEquals(
        before,
        sum(get("/metrics").body(), "nlb_connections_total", "member=\"" + busy + "\""),
        "no new connection went to the dead member");
    assertEquals(200, get("/ready").statusCode(), "one member up is enough to be ready");
  }

  private String openssl(String leaf) throws Exception {
    Clients.Run run =
        Clients.openssl(
            dir.resolve("ca.pem"),
            "http://localhost:" + ports.cluster() + "/",
            "-cert",
            dir.resolve(leaf).toString());
    assertEquals(0, run.exit(), run.out());
    return run.out();
  }

  private void validate(String leaf) throws Exception {
    Clients.pkixValidate(dir.resolve("ca.pem"), dir.resolve(leaf));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.admin() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double sum(String metrics, String name, String label) {
    return Clients.sum(metrics, name, label);
  }
}
