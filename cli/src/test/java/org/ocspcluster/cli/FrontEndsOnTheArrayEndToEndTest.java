package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two VRRP front ends following the array on ZooKeeper ({@code balancer --zookeeper --front-end}),
 * in network namespaces, with the members and a controller: a drainstop taken by one front end is
 * recorded in the array and holds on the other, also after a failover to it.
 */
class FrontEndsOnTheArrayEndToEndTest {
  static final String CLUSTER_IP = "198.51.100.1";

  @TempDir static Path dir;
  static TestingServer zookeeper;
  static ArrayLab array;
  static FrontEndLab cluster;
  static NetnsLab lab;
  static Process fe1;

  @BeforeAll
  static void startTheArrayAndTheFrontEnds() throws Exception {
    NetnsLab.assumeAvailable("keepalived", "curl", "setpriv", "openssl");
    cluster = FrontEndLab.create(dir, CLUSTER_IP, FrontEndLab.frontEnds("vrrp"));
    lab = cluster.lab;
    cluster.oneLan(List.of("198.51.100.100"));
    // ZooKeeper and the controller run in this JVM; the lab reaches them at 198.51.100.250.
    lab.plugThisMachine("sw", "br0", "198.51.100.250/24");
    zookeeper = new TestingServer(true);
    String zk = "198.51.100.250:" + zookeeper.getPort();
    array = new ArrayLab(zookeeper.getConnectString(), "demo", dir);
    int adminPort = Clients.freePorts(1)[0];
    array.controller(adminPort, "controller-1");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Clients.cli(
                            "config",
                            "apply",
                            dir.resolve("cluster.yaml").toString(),
                            "--admin",
                            "127.0.0.1:" + adminPort,
                            "--admin-token-file",
                            dir.resolve("admin.token").toString())
                        .exit()
                    == 0);
    for (String member : List.of("responder-1", "responder-2")) {
      lab.start(
          "mem",
          member,
          "member",
          "--zookeeper",
          zk,
          "--member",
          member,
          "--data",
          dir.resolve("member-" + member).toString());
    }
    fe1 = startFrontEnd("fe1", zk);
    startFrontEnd("fe2", zk);
  }

  static Process startFrontEnd(String fe, String zk) throws Exception {
    return lab.start(
        fe,
        fe,
        "balancer",
        "--zookeeper",
        zk,
        "--front-end",
        fe,
        "--data",
        dir.resolve(fe + "-data").toString());
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (lab != null) {
      lab.stop();
    }
    if (array != null) {
      array.close();
    }
    if (zookeeper != null) {
      zookeeper.close();
    }
  }

  private static boolean holdsIp(String fe) throws Exception {
    return lab.in(fe, "ip", "-br", "address", "show", "dev", "eth0")
        .out()
        .contains(CLUSTER_IP + "/32");
  }

  @Test
  void aDrainstopTakenByOneFrontEndIsRecordedInTheArrayAndHoldsOnTheOtherAfterAFailover()
      throws Exception {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> holdsIp("fe1") && cluster.status("198.51.100.100").equals("200"));
    String said = cluster.post("fe1", "/members/responder-2/drainstop");
    assertTrue(said.contains("\"array\":\"recorded"), said);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster
                    .get("fe2", "/query")
                    .matches(
                        "(?s).*\"name\":\"responder-2\",[^}]*\"state\":\"(draining|stopped)\".*"));

    NetnsLab.signal(fe1, "KILL");
    await().atMost(Duration.ofSeconds(20)).until(() -> holdsIp("fe2"));
    assertTrue(
        cluster
            .get("fe2", "/query")
            .matches("(?s).*\"name\":\"responder-2\",[^}]*\"state\":\"(draining|stopped)\".*"),
        "the state holds on the front end that took over");
    assertTrue(cluster.status("198.51.100.100").equals("200"), "the cluster IP answers");
  }
}
