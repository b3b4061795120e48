package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * doctor walks a certificate's chain to the cluster and names the step that breaks, with the fix.
 */
class DoctorEndToEndTest {
  @TempDir Path dir;

  @Test
  void everyStepPassesThenADeadMemberAndAForeignNameAreCalledOut() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    String config = dir.resolve(DemoCluster.CONFIG_FILE).toString();
    try (Node cluster = new Node(ConfigLoader.load(dir.resolve(DemoCluster.CONFIG_FILE)))) {
      cluster.startAllMembers();
      cluster.startBalancer();
      cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.health().anyUp());

      Clients.Said healthy =
          Clients.cli("doctor", dir.resolve("revoked.pem").toString(), "--config", config);
      assertEquals(0, healthy.exit(), healthy.out());
      assertTrue(healthy.out().contains("PASS  through the cluster    revoked"), healthy.out());
      assertTrue(healthy.out().contains("all good"), healthy.out());

      cluster.stopMember("responder-2");
      Clients.Said broken =
          Clients.cli("doctor", dir.resolve("good.pem").toString(), "--config", config);
      assertEquals(1, broken.exit());
      assertTrue(
          broken.out().contains("FAIL  member responder-2")
              && broken.out().contains("fix: start the member"),
          broken.out());
      assertTrue(broken.out().contains("PASS  member responder-1"), broken.out());

      DemoPki elsewhere = DemoPki.create("ocsp.elsewhere.invalid", 80, DemoPki.KeyType.EC);
      elsewhere.writeTo(dir.resolve("elsewhere"));
      Clients.Said foreign =
          Clients.cli("doctor", dir.resolve("elsewhere/good.pem").toString(), "--config", config);
      assertEquals(1, foreign.exit());
      assertTrue(
          foreign.out().contains("FAIL  DNS") && foreign.out().contains("add an A/AAAA record"),
          foreign.out());
      // A name that does not resolve stops nothing that needs no name.
      assertTrue(
          foreign.out().contains("FAIL  cluster FQDN")
              && foreign.out().contains("skip  cluster IP")
              && foreign.out().contains("FAIL  port rule"),
          foreign.out());
      assertTrue(
          foreign
              .out()
              .contains(
                  "have the CA issue certificates with http://localhost:" + ports.cluster() + "/"),
          "the suggested URL keeps the rule's port: " + foreign.out());

      DemoPki literal = DemoPki.create("127.0.0.1", ports.cluster(), DemoPki.KeyType.EC);
      literal.writeTo(dir.resolve("literal"));
      Clients.Said byAddress =
          Clients.cli("doctor", dir.resolve("literal/good.pem").toString(), "--config", config);
      assertTrue(
          byAddress.out().contains("127.0.0.1 is an IP address: no DNS record needed"),
          byAddress.out());
      assertTrue(
          !byAddress.out().contains("A/AAAA") && byAddress.out().contains("FAIL  cluster FQDN"),
          "no DNS record suggested for an address: " + byAddress.out());

      // Running, but no member answers: doctor does not say "start the cluster".
      cluster.stopMember("responder-1");
      Clients.Said noMembers =
          Clients.cli("doctor", dir.resolve("good.pem").toString(), "--config", config);
      assertTrue(
          noMembers.out().contains("accepts connections but no member answered")
              && !noMembers.out().contains("ocsp-cluster up"),
          noMembers.out());
    }
  }
}
