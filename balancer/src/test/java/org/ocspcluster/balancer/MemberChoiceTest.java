package org.ocspcluster.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.balancer.hosts.HostControl;
import org.ocspcluster.balancer.hosts.Membership;
import org.ocspcluster.balancer.rules.MemberSelector;
import org.ocspcluster.config.Affinity;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRange;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.health.HealthView;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.testing.TestClusters;

/**
 * The balancer's selection against a health view it is given: membership, health and selection are
 * separate objects, so which members a client may reach is checked without a socket or a probe.
 */
class MemberChoiceTest {
  @TempDir Path dir;

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, MemberHealth> health = new HashMap<>();

  @AfterEach
  void tearDown() {
    timer.shutdownNow();
  }

  /** A health view that says what the test puts in {@link #health}. */
  private final HealthView view =
      new HealthView() {
        @Override
        public MemberHealth health(String member) {
          return health.getOrDefault(
              member, new MemberHealth(MemberHealth.State.UNKNOWN, "not probed", Instant.now()));
        }

        @Override
        public void onChange(BiConsumer<String, MemberHealth> listener) {}
      };

  private MemberChoice choice(HealthSettings.Panic panic) {
    PortRule rule =
        new PortRule(
            "r", null, PortRange.of(8080), null, FilteringMode.MULTIPLE_HOST, Affinity.NONE);
    List<Member> members =
        List.of(
            new Member("a", new HostPort("127.0.0.1", 1), 1, null),
            new Member("b", new HostPort("127.0.0.1", 2), 2, null));
    HealthSettings healthSettings =
        new HealthSettings(
            null, null, null, null, null, null, null, null, null, null, null, panic, null);
    ClusterConfig config = TestClusters.of(rule, members, healthSettings, dir);
    Membership membership = new Membership();
    members.forEach(m -> membership.add(m, new InetSocketAddress("127.0.0.1", m.address().port())));
    membership.addRule("r");
    HostControl control = new HostControl(config, timer, membership);
    return new MemberChoice(
        () -> config,
        membership,
        control,
        view,
        Map.of("r", new MemberSelector(rule, members)),
        new BalancerMetrics(new SimpleMeterRegistry(), config, control, membership));
  }

  private List<String> candidates(MemberChoice choice) {
    PortRule rule =
        new PortRule(
            "r", null, PortRange.of(8080), null, FilteringMode.MULTIPLE_HOST, Affinity.NONE);
    return choice.candidates(rule, new InetSocketAddress("127.0.0.9", 40000)).stream()
        .map(Member::name)
        .toList();
  }

  @Test
  void aMemberTheHealthViewCallsDownGetsNoNewClients() {
    MemberChoice choice = choice(HealthSettings.Panic.SEND_TO_ALL);
    assertEquals(2, candidates(choice).size(), "unprobed members are usable");

    health.put("a", new MemberHealth(MemberHealth.State.DOWN, "probe failed", Instant.now()));
    assertEquals(List.of("b"), candidates(choice));
  }

  @Test
  void whenEveryMemberIsDownPanicDecidesBetweenTryingThemAllAndRefusing() {
    health.put("a", new MemberHealth(MemberHealth.State.DOWN, "probe failed", Instant.now()));
    health.put("b", new MemberHealth(MemberHealth.State.DOWN, "probe failed", Instant.now()));

    assertEquals(2, candidates(choice(HealthSettings.Panic.SEND_TO_ALL)).size());
    assertTrue(candidates(choice(HealthSettings.Panic.REFUSE)).isEmpty());
  }
}
