package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two front ends hold one cluster IP by VRRP through the real keepalived, in network namespaces: a
 * switch, two front ends, the members' host and a client host. The standby takes the IP when the
 * active front end's balancer is killed, frozen or stopped, and gives it back when the first
 * returns; a client reaches the same member through either.
 */
class FrontEndFailoverEndToEndTest {
  static final String CLUSTER_IP = "198.51.100.1";
  static final List<String> CLIENTS =
      List.of("198.51.100.100", "198.51.100.101", "198.51.100.102", "198.51.100.103");

  @TempDir static Path dir;
  static FrontEndLab cluster;
  static NetnsLab lab;
  static final Map<String, Process> frontEnds = new LinkedHashMap<>();

  @BeforeAll
  static void buildTheNetworkAndStartTheMembers() throws Exception {
    NetnsLab.assumeAvailable("keepalived", "curl", "setpriv", "openssl");
    cluster =
        FrontEndLab.create(
            dir,
            CLUSTER_IP,
            FrontEndLab.frontEnds("vrrp")
                + """
            failover:
              vrrp: {virtualRouterId: 51, advertInterval: 100ms, unicast: true}
            """);
    lab = cluster.lab;
    Files.writeString(
        dir.resolve("load.sh"),
        """
        # A client making a new connection per request for $1 seconds; one line per request:
        # the time in ms and the HTTP status (000: no answer within 2 s).
        end=$(( $(date +%s) + $1 ))
        while [ "$(date +%s)" -lt "$end" ]; do
          code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' --data-binary @REQ \\
            -H 'Content-Type: application/ocsp-request' http://CLUSTER_IP/)
          echo "$(date +%s%3N) $code"
        done
        """
            .replace("REQ", dir.resolve("req.der").toString())
            .replace("CLUSTER_IP", CLUSTER_IP));

    cluster.oneLan(CLIENTS);
    cluster.startMembers();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (lab != null) {
      lab.stop();
    }
  }

  /** Every test starts with both front ends running and the first holding the cluster IP. */
  @BeforeEach
  void bothFrontEndsRunWithTheFirstHoldingTheIp() throws Exception {
    for (String fe : List.of("fe1", "fe2")) {
      Process p = frontEnds.get(fe);
      if (p == null || !p.isAlive()) {
        startFrontEnd(fe);
      }
    }
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> holdsIp("fe1") && !holdsIp("fe2") && status("198.51.100.100").equals("200"));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "fe1 holds the IP: "
              + holdsIp("fe1")
              + ", fe2 holds it: "
              + holdsIp("fe2")
              + ", a request gets "
              + status("198.51.100.100")
              + "\n--- fe1\n"
              + FrontEndLab.tail(lab.log("fe1"))
              + "\n--- fe2\n"
              + FrontEndLab.tail(lab.log("fe2")),
          e);
    }
  }

  private static void startFrontEnd(String fe) throws Exception {
    frontEnds.put(fe, cluster.startFrontEnd(fe));
  }

  @Test
  void theClusterIpAnswersVerifiedOcspForOpenssl() throws Exception {
    Clients.Run r = cluster.openssl();
    assertTrue(r.out().contains("Response verify OK") && r.out().contains(": good"), r.out());
  }

  @Test
  void theStandbyTakesTheIpWhenTheActiveBalancerIsKilledAndGivesItBackWhenItReturns()
      throws Exception {
    Process load = startLoad(6);
    awaitSomeAnswers();
    NetnsLab.signal(frontEnds.get("fe1"), "KILL");
    await().atMost(Duration.ofSeconds(20)).until(() -> holdsIp("fe2"));
    List<String[]> answers = finish(load);
    assertTrue(answeredAfterTheLastFailure(answers), "requests succeed again: " + summary(answers));
    assertTrue(
        lab.log("fe2").contains("front end fe2: standby -> holds the IP"),
        "logged once, with cause");
    startFrontEnd("fe1");
    await().atMost(Duration.ofSeconds(60)).until(() -> holdsIp("fe1") && !holdsIp("fe2"));
  }

  @Test
  void theStandbyTakesTheIpWhenTheActiveBalancerIsFrozen() throws Exception {
    Process fe1 = frontEnds.get("fe1");
    NetnsLab.signal(fe1, "STOP");
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> holdsIp("fe2") && !holdsIp("fe1"));
      assertEquals("200", status("198.51.100.101"));
    } finally {
      NetnsLab.signal(fe1, "CONT");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> holdsIp("fe1") && !holdsIp("fe2"));
  }

  @Test
  void aCleanStopHandsTheIpOverLosingAtMostTheConnectionCaughtMidHandshake() throws Exception {
    Process load = startLoad(5);
    awaitSomeAnswers();
    Process fe1 = frontEnds.get("fe1");
    NetnsLab.signal(fe1, "TERM");
    await().atMost(Duration.ofSeconds(20)).until(() -> !fe1.isAlive());
    assertTrue(holdsIp("fe2"));
    List<String[]> answers = finish(load);
    // VRRP moves an address, not connections: a connection whose handshake is under way when the
    // clients learn the new holder is reset by it (seen about once in ten runs, README "Failure
    // behaviour"). The one client here has at most one such connection; every other request, and
    // every one after it, is answered.
    List<String> lost =
        answers.stream().filter(a -> !a[1].equals("200")).map(a -> a[0] + " " + a[1]).toList();
    assertTrue(lost.size() <= 1, "at most the request caught mid-handshake: " + lost);
    assertTrue(answeredAfterTheLastFailure(answers), "answered after it: " + summary(answers));
    assertTrue(lab.log("fe1").contains("handed the cluster IP over"), lab.log("fe1"));
  }

  @Test
  void aClientReachesTheSameMemberThroughEitherFrontEnd() throws Exception {
    Map<String, String> viaFirst = membersOf("fe1");
    Process fe1 = frontEnds.get("fe1");
    NetnsLab.signal(fe1, "TERM");
    await().atMost(Duration.ofSeconds(20)).until(() -> !fe1.isAlive() && holdsIp("fe2"));
    Map<String, String> viaSecond = membersOf("fe2");
    assertEquals(viaFirst, viaSecond);
    assertTrue(
        viaFirst.values().stream().distinct().count() > 1,
        "the clients are spread over both members, so the test could tell: " + viaFirst);
  }

  @Test
  void aDrainstopSentToOneFrontEndHoldsOnTheOtherAfterAFailoverAndARestartTakesTheStates()
      throws Exception {
    try {
      hostStatesAcrossAFailover();
    } finally {
      for (String fe : List.of("fe1", "fe2")) {
        cluster.post(fe, "/members/responder-2/resume");
        cluster.post(fe, "/members/responder-2/start");
      }
    }
  }

  private static void hostStatesAcrossAFailover() throws Exception {
    // A drainstop taken by the active front end holds on the other...
    String said = cluster.post("fe1", "/members/responder-2/drainstop");
    assertTrue(said.contains("\"fe2\":\"applied\""), said);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> memberState("fe2", "responder-2").matches("draining|stopped"));

    // ...and after a failover to it.
    NetnsLab.signal(frontEnds.get("fe1"), "KILL");
    await().atMost(Duration.ofSeconds(20)).until(() -> holdsIp("fe2"));
    assertTrue(memberState("fe2", "responder-2").matches("draining|stopped"));

    // Suspended while fe1 is away: fe1 cannot be told, and takes it from fe2 when it starts.
    String suspended = cluster.post("fe2", "/members/responder-2/suspend");
    assertTrue(suspended.contains("\"fe1\":\"unreachable"), suspended);
    startFrontEnd("fe1");
    await().atMost(Duration.ofSeconds(60)).until(() -> holdsIp("fe1"));
    assertEquals("suspended", memberState("fe1", "responder-2"));
    assertTrue(
        lab.log("fe1")
            .contains("host and rule states taken from front end fe2: responder-2 suspended"),
        FrontEndLab.tail(lab.log("fe1")));

    // Either front end's query shows both, with their roles (peers are asked every 2 s).
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              String query = cluster.get("fe2", "/query");
              return query.contains(
                      "\"name\":\"fe1\",\"failover\":\"vrrp\",\"role\":\"holds the IP\"")
                  && query.contains("\"name\":\"fe2\",\"failover\":\"vrrp\",\"role\":\"standby\"");
            });
  }

  @Test
  void aFrontEndCutOffWhenAVerbWasTakenTakesItOnceItCanBeReachedAgain() throws Exception {
    // Cut the admin path between the front ends both ways (VRRP between them still works); an
    // unreachable route fails a connect at once, so the verb can only arrive by reconciliation.
    lab.in("fe1", "ip", "route", "add", "unreachable", "198.51.100.32/32");
    lab.in("fe2", "ip", "route", "add", "unreachable", "198.51.100.31/32");
    try {
      String said = cluster.post("fe1", "/members/responder-2/suspend");
      assertTrue(said.contains("\"state\":\"suspended\""), said);
      assertTrue(said.contains("\"fe2\":\"unreachable"), "fe2 cannot be told: " + said);
      assertEquals("started", memberState("fe2", "responder-2"));
      assertTrue(holdsIp("fe1"), "an unreachable peer does not hold up the active front end");
    } finally {
      lab.in("fe1", "ip", "route", "del", "unreachable", "198.51.100.32/32");
      lab.in("fe2", "ip", "route", "del", "unreachable", "198.51.100.31/32");
    }
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> memberState("fe2", "responder-2").equals("suspended"));
      // Taken by reconciliation (said in the log just after the state is applied), or, when the
      // path came back while the HTTP client was still trying its connect again, by the verb fe1
      // passed on arriving late: either way from fe1, once fe2 could be reached.
      try {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    lab.log("fe2")
                            .contains(
                                "took newer host states from front end fe1: responder-2 suspended")
                        || lab.log("fe2").contains("host suspend responder-2 fromFrontEnd=fe1"));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError(FrontEndLab.tail(lab.log("fe2")), e);
      }
    } finally {
      cluster.post("fe1", "/members/responder-2/resume");
      cluster.post("fe1", "/members/responder-2/start");
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> memberState("fe2", "responder-2").equals("started"));
  }

  private static String memberState(String fe, String member) throws Exception {
    com.fasterxml.jackson.databind.JsonNode q =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(cluster.get(fe, "/query"));
    for (com.fasterxml.jackson.databind.JsonNode m : q.path("members")) {
      if (m.path("name").asText().equals(member)) {
        return m.path("state").asText();
      }
    }
    return "absent";
  }

  /** Which member each client address reaches, read off the front end's own connection counts. */
  private static Map<String, String> membersOf(String fe) throws Exception {
    // Both members count as healthy on this front end, so the choice is the selector's alone.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Clients.sum(metrics(fe), "nlb_member_healthy") == 2);
    Map<String, String> members = new LinkedHashMap<>();
    for (String client : CLIENTS) {
      String before = metrics(fe);
      for (int i = 0; i < 3; i++) {
        assertEquals("200", status(client));
      }
      String after = metrics(fe);
      for (String member : List.of("responder-1", "responder-2")) {
        double grew =
            Clients.sum(after, "nlb_connections_total", "member=\"" + member + "\"")
                - Clients.sum(before, "nlb_connections_total", "member=\"" + member + "\"");
        if (grew >= 3) {
          members.put(client, member);
        }
      }
    }
    assertEquals(CLIENTS.size(), members.size(), "every client's member is known: " + members);
    return members;
  }

  private static String metrics(String fe) throws Exception {
    return cluster.metrics(fe);
  }

  private static boolean holdsIp(String fe) throws Exception {
    return lab.in(fe, "ip", "-br", "address", "show", "dev", "eth0")
        .out()
        .contains(CLUSTER_IP + "/32");
  }

  private static String status(String from) throws Exception {
    return cluster.status(from);
  }

  private static Process startLoad(int seconds) throws Exception {
    return new ProcessBuilder(
            "ip",
            "netns",
            "exec",
            lab.ns("cl"),
            "sh",
            dir.resolve("load.sh").toString(),
            Integer.toString(seconds))
        .redirectOutput(lab.logFile("load").toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  private static void awaitSomeAnswers() {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Files.exists(lab.logFile("load"))
                    && Files.readAllLines(lab.logFile("load")).size() >= 20);
  }

  private static List<String[]> finish(Process load) throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> !load.isAlive());
    List<String[]> answers = new ArrayList<>();
    for (String line : Files.readAllLines(lab.logFile("load"))) {
      String[] parts = line.trim().split(" ");
      if (parts.length == 2) {
        answers.add(parts);
      }
    }
    return answers;
  }

  private static boolean answeredAfterTheLastFailure(List<String[]> answers) {
    int last = -1;
    for (int i = 0; i < answers.size(); i++) {
      if (!answers.get(i)[1].equals("200")) {
        last = i;
      }
    }
    return answers.size() - last > 10;
  }

  private static String summary(List<String[]> answers) {
    long failed = answers.stream().filter(a -> !a[1].equals("200")).count();
    return failed + " of " + answers.size() + " failed";
  }
}
