package org.ocspcluster.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.config.Cluster;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.Location;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.Probe;
import org.ocspcluster.config.RevocationConfiguration;

class HealthCheckerTest {
  @TempDir Path dir;
  StubResponder stub;
  HealthChecker checker;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final List<String> transitions = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (checker != null) {
      checker.close();
    }
    if (stub != null) {
      stub.close();
    }
  }

  ClusterConfig config;

  private HealthChecker start(int rise, int fall) throws Exception {
    return start(rise, fall, Duration.ofMillis(200), null);
  }

  private HealthChecker start(int rise, int fall, Duration interval, Duration downInterval)
      throws Exception {
    stub = new StubResponder();
    Path ca = stub.writeCa(dir);
    Files.writeString(dir.resolve("empty"), "");
    RevocationConfiguration rc =
        new RevocationConfiguration(
            "stub",
            ca,
            dir.resolve("empty"),
            dir.resolve("empty"),
            null,
            null,
            null,
            Location.parse(dir.resolve("empty").toString()),
            null,
            null,
            null,
            null,
            null,
            new Probe(null, "77", Probe.Expect.GOOD),
            null,
            null,
            null);
    HealthSettings settings =
        new HealthSettings(
            interval,
            Duration.ofMillis(500),
            rise,
            fall,
            Duration.ofMillis(100),
            null,
            null,
            null,
            null,
            3,
            null,
            null,
            downInterval);
    config =
        new ClusterConfig(
            new Cluster("t", "localhost", "127.0.0.1", null),
            List.of(),
            List.of(new Member("m", HostPort.parse("127.0.0.1:1"), 1, null)),
            List.of(rc),
            null,
            null,
            settings,
            null);
    checker = new HealthChecker(config, Map.of("m", stub.uri()), registry);
    checker.onChange((member, health) -> transitions.add(health.state() + ": " + health.reason()));
    checker.start();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> checker.health("m").state() == MemberHealth.State.UP);
    return checker;
  }

  @Test
  void aMemberGoesDownAfterFallFailuresWithTheReasonAndComesBackAfterRisePasses() throws Exception {
    start(3, 2);
    stub.fault = StubResponder.Fault.STALE;
    long failedAt = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> checker.health("m").state() == MemberHealth.State.DOWN);
    long removalMillis = (System.nanoTime() - failedAt) / 1_000_000;
    assertTrue(
        checker.health("m").reason().contains("revocation data for \"stub\" expired"),
        checker.health("m").reason());
    System.out.println(
        "health: stale data to removal took "
            + removalMillis
            + " ms (fall 2, fast interval 100 ms)");
    stub.fault = StubResponder.Fault.NONE;
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> checker.health("m").state() == MemberHealth.State.UP);
    assertEquals(1.0, registry.get("nlb.member.healthy").gauge().value());
    assertTrue(registry.get("ocsp.probe").tag("result", "fail").counter().count() >= 2);
    assertEquals(
        List.of("UP", "DOWN", "UP"),
        transitions.stream().map(t -> t.split(":")[0]).toList(),
        "each change logged and told once: " + transitions);
  }

  @Test
  void aMemberThatIsDownIsProbedEveryDownIntervalSoItsReturnIsSeenAtOnce() throws Exception {
    // Probed every 10 s while up, every 100 ms while down.
    start(1, 1, Duration.ofSeconds(10), Duration.ofMillis(100));
    stub.fault = StubResponder.Fault.STALE;
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> checker.health("m").state() == MemberHealth.State.DOWN);
    double failedWhenDown = registry.get("ocsp.probe").tag("result", "fail").counter().count();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                registry.get("ocsp.probe").tag("result", "fail").counter().count()
                    >= failedWhenDown + 5);
    stub.fault = StubResponder.Fault.NONE;
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> checker.health("m").state() == MemberHealth.State.UP);
  }

  @Test
  void theReasonOfAnUpMemberFollowsTheConfigurationsItIsProbedFor() throws Exception {
    start(1, 2);
    assertEquals("OCSP answers verified for 1 configuration", checker.health("m").reason());
    List<org.ocspcluster.health.probe.OcspProbe> one = checker.probesFor(config);
    checker.useProbes(List.of(one.get(0), one.get(0)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                checker.health("m").reason().equals("OCSP answers verified for 2 configurations"));
    assertEquals(MemberHealth.State.UP, checker.health("m").state());
    assertEquals(1, transitions.size(), "no state change, nothing told: " + transitions);
  }

  @Test
  void everyMemberFailingTheSameProbeTheSameWayPointsAtTheProbe() {
    java.time.Instant t = java.time.Instant.now();
    MemberHealth revoked =
        new MemberHealth(
            MemberHealth.State.DOWN, "the answer for \"demo\" says revoked, expected good", t);
    MemberHealth refused =
        new MemberHealth(MemberHealth.State.DOWN, "no OCSP answer for \"demo\": refused", t);
    MemberHealth up = new MemberHealth(MemberHealth.State.UP, "verified", t);
    String same = HealthChecker.panicReason(Map.of("a", revoked, "b", revoked));
    assertTrue(same.contains("the same way"), same);
    assertTrue(same.contains("the probe itself is the likely cause"), same);
    String different = HealthChecker.panicReason(Map.of("a", revoked, "b", refused));
    assertTrue(different.startsWith("every member is down (a: the answer"), different);
    assertEquals(null, HealthChecker.panicReason(Map.of("a", revoked, "b", up)));
    assertEquals(
        null,
        HealthChecker.panicReason(
            Map.of("a", revoked, "b", new MemberHealth(MemberHealth.State.UNKNOWN, "new", t))),
        "a member not judged yet still takes traffic: no panic");
  }

  @Test
  void oneFailureBelowFallKeepsTheMemberUp() throws Exception {
    start(1, 50);
    stub.fault = StubResponder.Fault.WRONG_KEY;
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> registry.get("ocsp.probe").tag("result", "fail").counter().count() >= 3);
    assertEquals(MemberHealth.State.UP, checker.health("m").state());
  }

  @Test
  void aSignerCloseToExpiryMakesTheMemberWarningButUsable() throws Exception {
    start(1, 1);
    stub.fault = StubResponder.Fault.EXPIRING_SIGNER;
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> checker.health("m").state() == MemberHealth.State.WARNING);
    assertTrue(checker.health("m").usable());
  }

  @Test
  void refusedConnectsInARowTakeTheMemberOutUntilProbesPassAgain() throws Exception {
    start(1, 5);
    checker.connectFailed("m");
    checker.connectFailed("m");
    assertEquals(MemberHealth.State.UP, checker.health("m").state(), "two are not yet three");
    checker.connected("m");
    checker.connectFailed("m");
    checker.connectFailed("m");
    assertEquals(MemberHealth.State.UP, checker.health("m").state(), "a success resets the count");
    checker.connectFailed("m");
    assertEquals(MemberHealth.State.DOWN, checker.health("m").state());
    assertTrue(
        checker.health("m").reason().contains("3 connects in a row"), checker.health("m").reason());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> checker.health("m").state() == MemberHealth.State.UP);
  }
}
