package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * config apply, show, history and rollback against a running cluster: live, all-or-nothing,
 * recorded.
 */
class ConfigRevisionsEndToEndTest {
  @TempDir Path dir;

  @Test
  void aNewRevisionIsAppliedLiveABadOneRefusedAndARollbackRestoresTheOld() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    DemoPki second = DemoPki.create("localhost", ports.cluster(), DemoPki.KeyType.RSA);
    second.writeTo(dir.resolve("second"));
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    String admin = "127.0.0.1:" + ports.admin();
    String url = "http://localhost:" + ports.cluster() + "/";
    try (Node cluster = new Node(ConfigLoader.load(yaml))) {
      cluster.useStore(
          new FolderConfigStore(dir.resolve("revisions")),
          Files.readString(yaml),
          dir,
          "test start");
      cluster.startAllMembers();
      cluster.startBalancer();
      cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.health().anyUp());
      Clients.Run before =
          Clients.openssl(
              dir.resolve("second/ca.pem"),
              url,
              "-cert",
              dir.resolve("second/good.pem").toString());
      assertTrue(
          before.out().contains("unauthorized"),
          "the second CA is not served yet: " + before.out());

      Path withSecond = dir.resolve("with-second.yaml");
      Clients.withSecondCa(yaml, withSecond);
      long started = System.nanoTime();
      Clients.Said applied =
          Clients.cli("config", "apply", withSecond.toString(), "--admin", admin);
      long appliedMillis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(0, applied.exit(), applied.out());
      assertTrue(applied.out().contains("revision 2 in force (config apply "), applied.out());
      Clients.Run after =
          Clients.openssl(
              dir.resolve("second/ca.pem"),
              url,
              "-cert",
              dir.resolve("second/revoked.pem").toString());
      assertTrue(
          after.out().contains("revoked.pem: revoked")
              && after.out().contains("Response verify OK"),
          after.out());
      System.out.printf(
          "config: revision 2 applied to both members and the balancer in %d ms (CLI round trip)%n",
          appliedMillis);

      Clients.Said status = Clients.cli("array", "status", "--admin", admin);
      assertTrue(
          status
              .out()
              .matches("(?s).*responder-1 +up +2 +second +ok.*responder-2 +up +2 +second +ok.*"),
          status.out());

      Path bad = dir.resolve("bad.yaml");
      Files.writeString(
          bad,
          Files.readString(withSecond).replace("crl: second/ca.crl", "crl: second/missing.crl"));
      Clients.Said refused = Clients.cli("config", "apply", bad.toString(), "--admin", admin);
      assertEquals(Main.CONFIG_ERROR, refused.exit());
      assertTrue(
          refused.out().contains(bad.toAbsolutePath() + ": revocationConfigurations[1].crl:"),
          refused.out());

      Path moved = dir.resolve("moved.yaml");
      Files.writeString(
          moved,
          Files.readString(withSecond).replace("127.0.0.1:" + ports.member2(), "127.0.0.1:1"));
      Clients.Said restart = Clients.cli("config", "apply", moved.toString(), "--admin", admin);
      assertEquals(1, restart.exit());
      assertTrue(
          restart.out().contains("responder-2's address")
              && restart.out().contains("revision 2 stays"),
          restart.out());
      assertTrue(
          Clients.openssl(
                  dir.resolve("second/ca.pem"),
                  url,
                  "-cert",
                  dir.resolve("second/good.pem").toString())
              .out()
              .contains("good.pem: good"),
          "revision 2 still in force");

      // A member joins and leaves the running cluster: the balancer, the probes and query follow.
      int third = Clients.freePorts(1)[0];
      Clients.Said joined =
          Clients.cli(
              "array",
              "add-member",
              "responder-3",
              "--address",
              "127.0.0.1:" + third,
              "--admin",
              admin);
      assertEquals(0, joined.exit(), joined.out());
      assertTrue(
          Clients.openssl(
                  dir.resolve("second/ca.pem"),
                  "http://127.0.0.1:" + third + "/",
                  "-cert",
                  dir.resolve("second/good.pem").toString())
              .out()
              .contains("good.pem: good"));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  Clients.cli("query", "--admin", admin)
                      .out()
                      .matches("(?s).*responder-3 +127.0.0.1:" + third + " +3 +started +up.*"));
      Clients.Said left = Clients.cli("array", "remove-member", "responder-3", "--admin", admin);
      assertEquals(0, left.exit(), left.out());
      assertTrue(
          Clients.openssl(
                  dir.resolve("second/ca.pem"),
                  "http://127.0.0.1:" + third + "/",
                  "-cert",
                  dir.resolve("second/good.pem").toString())
              .out()
              .contains("Connection refused"),
          "responder-3 stopped");
      String scraped = Clients.scrape(admin);
      assertTrue(
          scraped.lines().noneMatch(l -> l.startsWith("nlb_") && l.contains("\"responder-3\"")),
          "no nlb_* metric outlives the member that left");
      assertTrue(scraped.contains("nlb_member_state{member=\"responder-1\""), scraped);
      assertTrue(
          Clients.openssl(
                  dir.resolve("second/ca.pem"),
                  url,
                  "-cert",
                  dir.resolve("second/good.pem").toString())
              .out()
              .contains("good.pem: good"),
          "the cluster answers on");

      Clients.Said history = Clients.cli("config", "history", "--admin", admin);
      assertTrue(
          history
              .out()
              .matches("(?s).*1 +.*test start.*2 +.*config apply.*3 +.*add-member.*4 +in force.*"),
          history.out());
      Clients.Said rollback = Clients.cli("config", "rollback", "1", "--admin", admin);
      assertEquals(0, rollback.exit(), rollback.out());
      assertTrue(
          Clients.openssl(
                  dir.resolve("second/ca.pem"),
                  url,
                  "-cert",
                  dir.resolve("second/good.pem").toString())
              .out()
              .contains("unauthorized"),
          "back to one CA");
      Files.writeString(
          dir.resolve("second/broken.crl"),
          "-----BEGIN X509 CRL-----\nbroken\n-----END X509 CRL-----\n");
      Path broken = dir.resolve("broken.yaml");
      Files.writeString(
          broken,
          Files.readString(withSecond).replace("crl: second/ca.crl", "crl: second/broken.crl"));
      assertEquals(0, Clients.cli("config", "apply", broken.toString(), "--admin", admin).exit());
      Clients.Said unloaded = Clients.cli("array", "status", "--admin", admin);
      assertTrue(
          unloaded
              .out()
              .matches("(?s).*responder-1 +up +6 +second +revocation data not yet retrieved.*"),
          unloaded.out());
      assertTrue(
          Clients.openssl(
                  dir.resolve("second/ca.pem"),
                  url,
                  "-cert",
                  dir.resolve("second/good.pem").toString())
              .out()
              .contains("trylater"),
          "no data: tryLater, never good");
      assertEquals(0, Clients.cli("config", "rollback", "1", "--admin", admin).exit());
      Clients.Said show = Clients.cli("config", "show", "--admin", admin);
      assertTrue(
          show.out().startsWith("# revision 7 (in force)")
              && show.out().contains("rollback to revision 1"),
          show.out());
      assertTrue(
          Clients.openssl(dir.resolve("ca.pem"), url, "-cert", dir.resolve("good.pem").toString())
              .out()
              .contains("good.pem: good"),
          "the first CA was served all along");
    }
  }
}
