package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * A probe that asks for a revoked certificate and expects good: every member fails it the same way,
 * and the cluster says the probe is the likely cause, in /ready, query and a metric.
 */
class ProbePanicEndToEndTest {
  @TempDir Path dir;

  @Test
  void everyMemberFailingTheSameProbeTheSameWayPointsAtTheProbe() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml, Files.readString(yaml).replace("certificate: good.pem", "certificate: revoked.pem"));
    String admin = "127.0.0.1:" + ports.admin();
    HttpClient http = HttpClient.newHttpClient();
    try (Node cluster = new Node(ConfigLoader.load(yaml))) {
      cluster.startAllMembers();
      cluster.startBalancer();
      cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> Clients.value(Clients.scrape(admin), "nlb_panic") == 1.0);
      HttpResponse<String> ready =
          http.send(
              HttpRequest.newBuilder(URI.create("http://" + admin + "/ready")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, ready.statusCode());
      assertTrue(
          ready
              .body()
              .contains(
                  "panic: every member fails its health probe the same way (the answer for"
                      + " \"demo\" says revoked, expected good): the probe itself is the likely"
                      + " cause"),
          ready.body());
      Clients.Said query = Clients.cli("query", "--admin", admin);
      assertTrue(
          query.out().contains("PANIC: every member fails its health probe the same way"),
          query.out());
    }
  }
}
