package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;

/**
 * Revocation data that runs out: the cluster stops saying good and says tryLater, and the probes
 * notice.
 */
class StaleCrlEndToEndTest {
  @TempDir Path dir;

  @Test
  void aCrlPastItsNextUpdateIsAnsweredTryLaterNeverGood() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoPki pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Instant now = Instant.now();
    Pem.write(dir.resolve("ca.crl"), pki.crl(now.minus(Duration.ofHours(1)), now.plusSeconds(4)));
    String url = "http://localhost:" + ports.cluster() + "/";
    try (Node cluster = new Node(ConfigLoader.load(dir.resolve(DemoCluster.CONFIG_FILE)))) {
      cluster.startAllMembers();
      cluster.startBalancer();
      cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
      Clients.Run fresh =
          Clients.openssl(dir.resolve("ca.pem"), url, "-cert", dir.resolve("good.pem").toString());
      assertTrue(fresh.out().contains("good.pem: good"), fresh.out());

      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  Clients.openssl(
                          dir.resolve("ca.pem"), url, "-cert", dir.resolve("good.pem").toString())
                      .out()
                      .contains("Responder Error: trylater (3)"));
      Clients.Run stale =
          Clients.openssl(
              dir.resolve("ca.pem"), url, "-cert", dir.resolve("good.pem").toString(), "-no_nonce");
      assertTrue(
          stale.out().contains("trylater"),
          "not even a pre-produced response is served: " + stale.out());
      assertFalse(stale.out().contains(": good"), stale.out());
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  cluster.health().snapshot().values().stream()
                      .allMatch(
                          h ->
                              h.state() == MemberHealth.State.DOWN
                                  && h.reason().contains("tryLater")));
    }
  }
}
