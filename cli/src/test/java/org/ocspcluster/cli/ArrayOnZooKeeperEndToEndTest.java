package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * An array on ZooKeeper (Curator's in-process server): a controller takes config apply, two members
 * follow it without restarts, array status shows them, a member restarted while ZooKeeper is down
 * serves its last revision, and a standby controller takes over.
 */
class ArrayOnZooKeeperEndToEndTest {
  @TempDir Path dir;
  ArrayLab lab;

  @AfterEach
  void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  private Node controller(TestingServer zookeeper, int adminPort, String id) throws Exception {
    return lab(zookeeper.getConnectString()).controller(adminPort, id);
  }

  private ArrayLab lab(String connect) {
    if (lab == null) {
      lab = new ArrayLab(connect, "demo", dir);
    }
    return lab;
  }

  private ZooKeeperConfigStore store(TestingServer zookeeper) {
    return lab(zookeeper.getConnectString()).store();
  }

  private Node member(TestingServer zookeeper, String name, Revision start) throws Exception {
    return lab(zookeeper.getConnectString()).member(name, start);
  }

  /** Waits (up to 10 s) until {@code array status} against {@code admin} matches {@code regex}. */
  private static void awaitStatus(String admin, String regex) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Clients.cli("array", "status", "--admin", admin).out().matches(regex));
  }

  /** One admin call that must be answered within 2 s. */
  private static java.net.http.HttpResponse<String> answer(
      java.net.http.HttpClient http, String admin, String method, String path) throws Exception {
    return answer(http, admin, method, path, "");
  }

  private static java.net.http.HttpResponse<String> answer(
      java.net.http.HttpClient http, String admin, String method, String path, String body)
      throws Exception {
    return http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + admin + path))
            .timeout(Duration.ofSeconds(2))
            .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body))
            .build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private Clients.Run ask(String ca, String leaf, int port) throws Exception {
    return Clients.openssl(
        dir.resolve(ca), "http://127.0.0.1:" + port + "/", "-cert", dir.resolve(leaf).toString());
  }

  /**
   * Against a real ZooKeeper server from Debian's package, which {@code .ci/run} starts on loopback
   * and names in OCSP_CLUSTER_ZOOKEEPER; skipped when that is not set.
   */
  @Test
  void membersFollowARevisionOnARealZooKeeperServer() throws Exception {
    String connect = System.getenv("OCSP_CLUSTER_ZOOKEEPER");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        connect != null && !connect.isBlank(),
        "OCSP_CLUSTER_ZOOKEEPER is not set (.ci/run starts Debian's zookeeper and sets it)");
    lab = new ArrayLab(connect, "it-" + System.nanoTime(), dir);
    int[] free = Clients.freePorts(5);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    DemoPki.create("localhost", ports.cluster(), DemoPki.KeyType.EC).writeTo(dir.resolve("second"));
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    String admin = "127.0.0.1:" + free[4];
    lab.controller(free[4], "controller-it");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Clients.cli("config", "apply", yaml.toString(), "--admin", admin).exit() == 0);
    Revision one = lab.store().current().orElseThrow();
    lab.member("responder-1", one);
    lab.member("responder-2", one);
    Path withSecond = dir.resolve("with-second.yaml");
    Clients.withSecondCa(yaml, withSecond);
    assertEquals(0, Clients.cli("config", "apply", withSecond.toString(), "--admin", admin).exit());
    for (int port : new int[] {ports.member1(), ports.member2()}) {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> ask("second/ca.pem", "second/good.pem", port).out().contains("good.pem: good"));
    }
    awaitStatus(admin, "(?s).*responder-1 +up +2 +second +ok.*responder-2 +up +2 +second +ok.*");
  }

  @Test
  void membersFollowTheControllerAndSurviveZooKeeperAndControllerLoss() throws Exception {
    TestingServer zookeeper = new TestingServer(true);
    lab(zookeeper.getConnectString()).adopt(zookeeper);
    int[] free = Clients.freePorts(7);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    DemoPki.create("localhost", ports.cluster(), DemoPki.KeyType.EC).writeTo(dir.resolve("second"));
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    String admin = "127.0.0.1:" + free[4];

    Node leader = controller(zookeeper, free[4], "controller-a");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Clients.cli("config", "history", "--admin", admin).exit() == 0);
    Clients.Said first = Clients.cli("config", "apply", yaml.toString(), "--admin", admin);
    assertEquals(0, first.exit(), first.out());

    Revision one = store(zookeeper).current().orElseThrow();
    member(zookeeper, "responder-1", one);
    Node two = member(zookeeper, "responder-2", one);
    assertTrue(ask("ca.pem", "good.pem", ports.member1()).out().contains("good.pem: good"));

    Path withSecond = dir.resolve("with-second.yaml");
    Clients.withSecondCa(yaml, withSecond);
    long applied = System.nanoTime();
    assertEquals(0, Clients.cli("config", "apply", withSecond.toString(), "--admin", admin).exit());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                ask("second/ca.pem", "second/good.pem", ports.member2())
                    .out()
                    .contains("good.pem: good"));
    System.out.printf(
        "array: revision 2 served by responder-2 %d ms after config apply returned%n",
        (System.nanoTime() - applied) / 1_000_000);
    assertTrue(
        ask("second/ca.pem", "second/revoked.pem", ports.member1())
            .out()
            .contains("revoked.pem: revoked"));
    awaitStatus(admin, "(?s).*responder-1 +up +2 +second +ok.*responder-2 +up +2 +second +ok.*");

    Clients.Said refreshed = Clients.cli("array", "refresh", "--json", "--admin", admin);
    assertEquals(0, refreshed.exit(), refreshed.out());
    assertTrue(
        refreshed
                .out()
                .contains("\"responder-1\":{\"demo\":\"unchanged\",\"second\":\"unchanged\"}")
            && refreshed.out().contains("\"responder-2\":"),
        refreshed.out());

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, Files.readString(withSecond).replace("priority: 2", "priority: 99"));
    Clients.Said refused = Clients.cli("config", "apply", bad.toString(), "--admin", admin);
    assertEquals(Main.CONFIG_ERROR, refused.exit());
    assertTrue(
        refused.out().contains(bad.toAbsolutePath() + ": members[1].priority"), refused.out());

    // Add Array Member: a new revision names responder-3; started, it receives the array's
    // configuration.
    Clients.Said added =
        Clients.cli(
            "array",
            "add-member",
            "responder-3",
            "--address",
            "127.0.0.1:" + free[6],
            "--admin",
            admin);
    assertEquals(0, added.exit(), added.out());
    member(zookeeper, "responder-3", store(zookeeper).current().orElseThrow());
    assertTrue(ask("second/ca.pem", "second/good.pem", free[6]).out().contains("good.pem: good"));
    awaitStatus(
        admin,
        "(?s).*responder-1 +up +3 +second +ok.*responder-2 +up +3 .*responder-3 +up +3 +second"
            + " +ok.*");
    Clients.Said duplicate =
        Clients.cli(
            "array", "add-member", "responder-3", "--address", "127.0.0.1:1", "--admin", admin);
    assertEquals(1, duplicate.exit());
    assertTrue(duplicate.out().contains("already a member"), duplicate.out());

    // ZooKeeper goes away; responder-2 restarts and serves the revision it kept on disk.
    zookeeper.stop();
    long down = System.nanoTime();
    // Every admin call answers within 2 s, with what is known and that ZooKeeper is unreachable.
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> answer(http, admin, "GET", "/array/status").body().contains("unreachable"));
    System.out.printf(
        "zookeeper down: the controller said so %d ms after%n",
        (System.nanoTime() - down) / 1_000_000);
    var status = answer(http, admin, "GET", "/array/status");
    assertEquals(200, status.statusCode());
    assertTrue(status.body().contains("\"lastKnown\""), status.body());
    assertEquals(200, answer(http, admin, "GET", "/metrics").statusCode());
    assertEquals(503, answer(http, admin, "GET", "/config/history").statusCode());
    long stopped = System.nanoTime();
    var apply = answer(http, admin, "POST", "/config?baseDir=" + dir, Files.readString(withSecond));
    assertEquals(503, apply.statusCode(), apply.body());
    assertTrue(apply.body().contains("ZooKeeper is unreachable"), apply.body());
    System.out.printf(
        "zookeeper down: apply answered in %d ms%n", (System.nanoTime() - stopped) / 1_000_000);
    two.stopMember("responder-2");
    FolderConfigStore kept = new FolderConfigStore(dir.resolve("member-responder-2"));
    Revision last = kept.current().orElseThrow();
    assertTrue(last.yaml().contains("name: second"), "the member kept revision 2 locally");
    Node restarted = new Node(ConfigLoader.parse(last.anchor(), last.yaml()));
    lab.adopt(restarted);
    restarted.startMember("responder-2", null);
    assertTrue(
        ask("second/ca.pem", "second/good.pem", ports.member2()).out().contains("good.pem: good"),
        "served without ZooKeeper");
    zookeeper.restart();

    // Controller failover: a second controller stands by, and leads once the first is gone.
    String standbyAdmin = "127.0.0.1:" + free[5];
    controller(zookeeper, free[5], "controller-b");
    Clients.Said standby = Clients.cli("config", "apply", yaml.toString(), "--admin", standbyAdmin);
    assertEquals(1, standby.exit(), "the standby refuses: " + standby.out());
    assertTrue(standby.out().contains("not the leader"), standby.out());
    leader.close();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Clients.cli("config", "apply", withSecond.toString(), "--admin", standbyAdmin)
                        .exit()
                    == 0);
  }
}
