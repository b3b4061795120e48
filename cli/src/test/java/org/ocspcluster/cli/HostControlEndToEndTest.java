package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * The network team's verbs against a running cluster, through the CLI and the admin listener:
 * query, drainstop, start, disable and enable a rule; with the PROXY protocol between the balancer
 * and members that accept it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostControlEndToEndTest {
  @TempDir static Path dir;
  Node cluster;
  DemoCluster.Ports ports;
  String admin;
  String url;

  @BeforeAll
  void start() throws Exception {
    int[] free = Clients.freePorts(4);
    ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    admin = "127.0.0.1:" + ports.admin();
    url = "http://localhost:" + ports.cluster() + "/";
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "admin:\n",
                """
        balancer:
          proxyProtocol: v2
          drainTimeout: 20s
        responder:
          acceptProxyProtocol: true
        admin:
        """));
    cluster = new Node(ConfigLoader.load(yaml));
    cluster.startAllMembers();
    cluster.startBalancer();
    cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
    await().atMost(Duration.ofSeconds(30)).until(() -> verb("query").out().contains(" up "));
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  Clients.Said verb(String... args) {
    String[] withAdmin = java.util.Arrays.copyOf(args, args.length + 2);
    withAdmin[args.length] = "--admin";
    withAdmin[args.length + 1] = admin;
    return Clients.cli(withAdmin);
  }

  private String good() throws Exception {
    return Clients.openssl(dir.resolve("ca.pem"), url, "-cert", dir.resolve("good.pem").toString())
        .out();
  }

  /**
   * The member that single affinity gives 127.0.0.1, read from the greeting of a raw connection's
   * route.
   */
  private String memberOfThisClient() {
    return cluster.balancer().query().members().stream()
        .filter(m -> m.activeConnections() > 0)
        .map(m -> m.name())
        .findFirst()
        .orElseThrow();
  }

  @Test
  @Order(1)
  void queryPrintsMembersStatesAndRules() {
    Clients.Said q = verb("query");
    assertEquals(0, q.exit(), q.out());
    assertTrue(
        q.out().contains("MEMBER")
            && q.out().contains("responder-1")
            && q.out().contains("responder-2"),
        q.out());
    assertTrue(q.out().contains("started"), q.out());
    assertTrue(
        q.out().contains("ocsp-http")
            && q.out().contains("multipleHost")
            && q.out().contains("enabled"),
        q.out());
    assertTrue(
        q.out().matches("(?s).*responder-1 \\d+\\.\\d%, responder-2 \\d+\\.\\d%.*"),
        "Maglev shares: " + q.out());
    Clients.Said json = verb("query", "--json");
    assertTrue(json.out().startsWith("{\"cluster\":\"demo\""), json.out());
  }

  @Test
  @Order(2)
  void answersFlowThroughTheProxyProtocolToMembersThatAcceptIt() throws Exception {
    String out = good();
    assertTrue(out.contains("good.pem: good") && out.contains("Response verify OK"), out);
  }

  @Test
  @Order(3)
  void drainstopShowsDrainingThenStoppedAndClientsMoveToTheOtherMember() throws Exception {
    try (Socket held = new Socket()) {
      held.connect(new InetSocketAddress("127.0.0.1", ports.cluster()));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  cluster.balancer().query().members().stream()
                      .anyMatch(m -> m.activeConnections() > 0));
      String busy = memberOfThisClient();
      Clients.Said drained = verb("drainstop", busy);
      assertEquals(0, drained.exit(), drained.out());
      assertTrue(
          verb("query").out().matches("(?s).*" + busy + " .*draining.*"), verb("query").out());
      assertTrue(good().contains("good.pem: good"), "new clients go to the other member");
    }
    String busyName =
        cluster.balancer().query().members().stream()
            .filter(m -> m.state().equals("draining") || m.state().equals("stopped"))
            .findFirst()
            .orElseThrow()
            .name();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> verb("query").out().matches("(?s).*" + busyName + " .*stopped.*"));
    // HANDLED BY shows who takes new connections now, and what was configured where it differs.
    String handledBy = cluster.balancer().query().rules().get(0).handledBy();
    assertTrue(
        handledBy.contains(busyName + " 0.0% (configured "), "the stopped member: " + handledBy);
    assertTrue(handledBy.matches(".*responder-\\d 100\\.0% \\(configured .*"), handledBy);
    assertEquals(0, verb("start", busyName).exit());
    assertTrue(verb("query").out().matches("(?s).*" + busyName + " .*started.*"));
  }

  @Test
  @Order(4)
  void aDisabledRuleRefusesUntilEnabled() throws Exception {
    assertEquals(0, verb("disable", "ocsp-http").exit());
    String refused = good();
    assertFalse(refused.contains("good.pem: good"), refused);
    assertTrue(verb("query").out().contains("disabled"));
    assertEquals(0, verb("enable", "ocsp-http").exit());
    assertTrue(good().contains("good.pem: good"));
  }

  @Test
  @Order(5)
  void unknownNamesAndBadTransitionsAreRefusedWithTheReason() {
    Clients.Said unknown = verb("stop", "responder-9");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.out().contains("no member \"responder-9\""), unknown.out());
    assertEquals(0, verb("suspend", "responder-2").exit());
    Clients.Said blocked = verb("start", "responder-2");
    assertEquals(1, blocked.exit());
    assertTrue(blocked.out().contains("resume it first"), blocked.out());
    assertEquals(0, verb("resume", "responder-2").exit());
    assertEquals(0, verb("start", "responder-2").exit());
  }

  @Test
  @Order(6)
  void memberAndRuleStatesAreMetrics() throws Exception {
    String metrics = Clients.scrape(admin);
    assertEquals(2.0, Clients.sum(metrics, "nlb_member_state", "state=\"started\""), metrics);
    assertEquals(1.0, Clients.sum(metrics, "nlb_rule_state", "state=\"enabled\""), metrics);
    assertTrue(Clients.sum(metrics, "nlb_bytes_total", "direction=\"to_client\"") > 0, metrics);
  }
}
