package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.Member;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * An array's revision is taken by every participant or by none: on the real ZooKeeper that {@code
 * .ci/run} starts (OCSP_CLUSTER_ZOOKEEPER), else on Curator's in-process server.
 */
class ArrayConfirmedAppliesEndToEndTest {
  @TempDir Path dir;
  ArrayLab lab;
  DemoCluster.Ports ports;
  String admin;
  Path yaml;
  int[] free;

  @BeforeEach
  void start() throws Exception {
    String connect = System.getenv("OCSP_CLUSTER_ZOOKEEPER");
    TestingServer inProcess = null;
    if (connect == null || connect.isBlank()) {
      inProcess = new TestingServer(true);
      connect = inProcess.getConnectString();
    }
    lab = new ArrayLab(connect, "confirmed-" + System.nanoTime(), dir);
    if (inProcess != null) {
      lab.adopt(inProcess);
    }
    free = Clients.freePorts(7);
    ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    DemoPki.create("localhost", ports.cluster(), DemoPki.KeyType.EC).writeTo(dir.resolve("second"));
    yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    admin = "127.0.0.1:" + free[4];
    lab.controller(free[4], "controller-a");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Clients.cli("config", "apply", yaml.toString(), "--admin", admin).exit() == 0);
  }

  @AfterEach
  void stop() {
    lab.close();
  }

  private Revision current() throws Exception {
    return lab.store().current().orElseThrow();
  }

  private Path variant(String name, String from, String to) throws Exception {
    Path file = dir.resolve(name);
    String text = Files.readString(yaml);
    assertTrue(text.contains(from), "the demo file has " + from);
    Files.writeString(file, text.replace(from, to));
    return file;
  }

  private String metrics() throws Exception {
    return Clients.scrape(admin);
  }

  private Clients.Said status() {
    return Clients.cli("array", "status", "--admin", admin);
  }

  @Test
  void aRevisionOneMemberCannotTakeIsAbortedEverywhereAndTheNextKeepsTheArraysNumber()
      throws Exception {
    Revision one = current();
    lab.member("responder-1", one);
    lab.member("responder-2", one);
    await().atMost(Duration.ofSeconds(10)).until(() -> status().exit() == 0);

    // responder-2's own signer: the demo certificate with another key.
    Path mismatched =
        variant(
            "mismatched.yaml",
            "    priority: 2\n",
            """
                priority: 2
                signers:
                  demo:
                    certificate: ocsp-signer.pem
                    key: second/ocsp-signer.key
            """);
    Clients.Said refused = Clients.cli("config", "apply", mismatched.toString(), "--admin", admin);
    assertEquals(1, refused.exit(), refused.out());
    assertTrue(refused.out().contains("member responder-2:"), refused.out());
    assertTrue(refused.out().contains("was aborted"), refused.out());
    assertFalse(refused.out().contains("member responder-1:"), refused.out());
    assertEquals(one.number(), current().number(), "nothing was committed");
    Clients.Said after = status();
    assertEquals(0, after.exit(), after.out());
    assertTrue(
        after.out().matches("(?s).*responder-1 +up +1 +demo +ok.*responder-2 +up +1 +demo +ok.*"),
        after.out());

    Path withSecond = Clients.withSecondCa(yaml, dir.resolve("with-second.yaml"));
    Clients.Said applied = Clients.cli("config", "apply", withSecond.toString(), "--admin", admin);
    assertEquals(0, applied.exit(), applied.out());
    assertEquals(2, current().number(), "the aborted proposal used no number");
    // Committed means served: no waiting after config apply returns.
    for (int port : new int[] {ports.member1(), ports.member2()}) {
      assertTrue(
          Clients.openssl(
                  dir.resolve("second/ca.pem"),
                  "http://127.0.0.1:" + port + "/",
                  "-cert",
                  dir.resolve("second/good.pem").toString())
              .out()
              .contains("good.pem: good"));
    }
    Revision kept = lab.local("member-responder-1").current().orElseThrow();
    assertEquals(2, kept.number(), "the member keeps the array's number");
    assertEquals(current().yaml(), kept.yaml());

    // The audit trail: who did what, from which revision to which, and how it ended.
    Clients.Said audit = Clients.cli("audit", "--admin", admin);
    assertEquals(0, audit.exit(), audit.out());
    String user = "user " + System.getProperty("user.name");
    assertTrue(audit.out().contains("the array (ZooKeeper)"), audit.out());
    assertTrue(
        audit.out().matches("(?s).*controller takes the lead.*controller controller-a.*"),
        audit.out());
    assertTrue(
        audit
            .out()
            .matches(
                "(?s).*1->1 +config apply .*mismatched.yaml +unverified \\(no"
                    + " admin token\\), "
                    + user
                    + " from 127.0.0.1 +409 refused: revision 2 was aborted.*"),
        audit.out());
    assertTrue(
        audit
            .out()
            .matches("(?s).*1->2 +config apply .*with-second.yaml .*" + user + ".*200 done.*"),
        audit.out());
    String local = Files.readString(dir.resolve("controller-controller-a/audit.jsonl"));
    assertTrue(local.contains("\"before\":1,\"after\":2"), local);
  }

  @Test
  void aRevisionTheBalancerCannotTakeIsAbortedAndNamesTheBalancer() throws Exception {
    Revision one = current();
    lab.member("responder-1", one);
    lab.balancer("lb-1", one);
    Path moved = variant("moved.yaml", "ports: " + ports.cluster(), "ports: " + free[5]);
    Clients.Said refused = Clients.cli("config", "apply", moved.toString(), "--admin", admin);
    assertEquals(1, refused.exit(), refused.out());
    assertTrue(refused.out().contains("balancer lb-1: needs a restart"), refused.out());
    assertEquals(one.number(), current().number());
    Clients.Said json = Clients.cli("array", "status", "--json", "--admin", admin);
    assertEquals(ArrayCommand.Status.NOT_CONVERGED, json.exit(), "responder-2 never started");
    assertTrue(
        json.out().contains("\"balancer\":\"lb-1\",\"state\":\"up\",\"revision\":1"), json.out());
    assertTrue(json.out().contains("\"member\":\"responder-2\",\"state\":\"never started\""));
  }

  @Test
  void aHostVerbOnTheControllerReachesEveryBalancerAndOnesThatStartLater() throws Exception {
    Revision one = current();
    Node first = lab.balancer("lb-1", one);
    Clients.Said stopped = Clients.cli("stop", "responder-1", "--admin", admin);
    assertEquals(0, stopped.exit(), stopped.out());
    assertTrue(stopped.out().contains("recorded for every balancer"), stopped.out());
    assertTrue(stopped.out().contains("running now: lb-1"), stopped.out());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> first.balancer().control().state("responder-1") == Member.HostState.STOPPED);

    // A balancer that starts later holds the same state; a start reaches both.
    Node second = lab.balancer("lb-2", one);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> second.balancer().control().state("responder-1") == Member.HostState.STOPPED);
    assertEquals(0, Clients.cli("start", "responder-1", "--admin", admin).exit());
    for (Node balancer : new Node[] {first, second}) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> balancer.balancer().control().state("responder-1") == Member.HostState.STARTED);
    }
    Clients.Said unknown = Clients.cli("stop", "responder-9", "--admin", admin);
    assertEquals(1, unknown.exit());
    assertTrue(unknown.out().contains("has no member named \"responder-9\""), unknown.out());
    Clients.Said audit = Clients.cli("audit", "--admin", admin);
    assertTrue(audit.out().contains("host stop responder-1"), audit.out());
  }

  @Test
  void aMemberThatWasDownIsShownDownAndCatchesUpWhenItReturns() throws Exception {
    Revision one = current();
    lab.member("responder-1", one);
    Node two = lab.member("responder-2", one);
    await().atMost(Duration.ofSeconds(10)).until(() -> status().exit() == 0);
    two.close();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> status().out().matches("(?s).*responder-2 +down +1 .*last seen .*"));
    assertEquals(ArrayCommand.Status.NOT_CONVERGED, status().exit());
    String down = metrics();
    assertEquals(1, Clients.sum(down, "ocsp_array_members", "state=\"down\""), down);
    assertEquals(0, Clients.value(down, "ocsp_array_converged"), down);

    Path withSecond = Clients.withSecondCa(yaml, dir.resolve("with-second.yaml"));
    Clients.Said applied = Clients.cli("config", "apply", withSecond.toString(), "--admin", admin);
    assertEquals(0, applied.exit(), "a member that is down does not hold the array: " + applied);

    // It comes back from its local copy (revision 1) and takes revision 2 from the array.
    Revision kept = lab.local("member-responder-2").current().orElseThrow();
    assertEquals(1, kept.number());
    lab.member("responder-2", kept);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                status()
                    .out()
                    .matches("(?s).*responder-1 +up +2 +second +ok.*responder-2 +up +2 +second.*"));
    assertEquals(0, status().exit());
    assertEquals(2, lab.local("member-responder-2").current().orElseThrow().number());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Clients.value(metrics(), "ocsp_array_converged") == 1);
    String up = metrics();
    assertEquals(2, Clients.sum(up, "ocsp_array_members", "state=\"up\""), up);
    assertEquals(2, Clients.value(up, "ocsp_array_revision"), up);
  }

  private String responderId(int port) throws Exception {
    String text = Clients.goodAnswerText(dir, port);
    assertTrue(text.contains("good.pem: good"), text);
    return text.lines().filter(l -> l.contains("Responder Id")).findFirst().orElseThrow();
  }

  private Clients.Said assignTheCaAsSigner(String member) {
    return Clients.cli(
        "assign-signer",
        "--configuration",
        "demo",
        "--member",
        member,
        "--certificate",
        dir.resolve("ca.pem").toString(),
        "--key",
        dir.resolve("ca.key").toString(),
        "--admin",
        admin);
  }

  @Test
  void aSignerAssignedToOneMemberIsARevisionThatALaterApplyKeeps() throws Exception {
    Revision one = current();
    lab.member("responder-1", one);
    lab.member("responder-2", one);
    Clients.Said assigned = assignTheCaAsSigner("responder-2");
    assertEquals(0, assigned.exit(), assigned.out());
    assertEquals(2, current().number(), "the assignment is revision 2");
    assertTrue(current().source().contains("assign-signer demo --member responder-2"));
    String signer = responderId(ports.member1());
    String assignedSigner = responderId(ports.member2());
    assertFalse(assignedSigner.equals(signer), "responder-2 signs as the CA: " + assignedSigner);

    // The operator's file knows nothing of the assignment; applying it keeps it.
    Path withSecond = Clients.withSecondCa(yaml, dir.resolve("with-second.yaml"));
    Clients.Said applied = Clients.cli("config", "apply", withSecond.toString(), "--admin", admin);
    assertEquals(0, applied.exit(), applied.out());
    assertEquals(3, current().number());
    assertTrue(
        applied.out().contains("kept the signers assigned to responder-2/demo"), applied.out());
    assertEquals(assignedSigner, responderId(ports.member2()), "still the CA after the apply");
    assertEquals(signer, responderId(ports.member1()));

    Clients.Said unknown = assignTheCaAsSigner("responder-9");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.out().contains("\"responder-9\" is not a member"), unknown.out());
    assertEquals(3, current().number());
  }

  @Test
  void theControllerReachesTokenProtectedMembersWithTheRevisionsToken() throws Exception {
    Path token = dir.resolve("admin-token");
    Files.writeString(token, "0123456789abcdef0123456789abcdef\n");
    Files.setPosixFilePermissions(
        token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path protectedFile =
        variant("protected.yaml", "admin:\n", "admin:\n  tokenFile: admin-token\n");
    Clients.Said applied =
        Clients.cli("config", "apply", protectedFile.toString(), "--admin", admin);
    assertEquals(0, applied.exit(), applied.out());
    Revision two = current();
    lab.member("responder-1", two);
    lab.member("responder-2", two);
    Clients.Said refreshed =
        Clients.cli("array", "refresh", "--admin", admin, "--admin-token-file", token.toString());
    assertEquals(0, refreshed.exit(), refreshed.out());
    assertTrue(
        refreshed
            .out()
            .matches("(?s)responder-1:\n  demo: unchanged\nresponder-2:\n  demo: unchanged\n"),
        refreshed.out());
    Clients.Said without = Clients.cli("array", "refresh", "--admin", admin);
    assertEquals(1, without.exit(), "the controller itself wants the token: " + without.out());
  }

  @Test
  void aMemberCannotBeGivenARevisionBehindTheArraysBack() throws Exception {
    Node one = lab.member("responder-1", current());
    var outcome = one.apply(Files.readString(yaml), dir, "test");
    assertFalse(outcome.applied());
    assertTrue(outcome.reason().contains("apply on the array controller"), outcome.reason());
    ZooKeeperConfigStore store = lab.store();
    assertEquals(1, store.current().orElseThrow().number());
  }
}
