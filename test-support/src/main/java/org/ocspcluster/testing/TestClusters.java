package org.ocspcluster.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.Cluster;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/** Cluster configurations for the balancer's tests: one rule, the given members, short timeouts. */
public final class TestClusters {
  private TestClusters() {}

  /**
   * Cluster "t" on 127.0.0.1 with {@code rule} and {@code members}; host states kept under {@code
   * dir}.
   */
  public static ClusterConfig of(
      PortRule rule, List<Member> members, HealthSettings health, Path dir) {
    BalancerSettings settings =
        new BalancerSettings(
            null,
            null,
            null,
            Duration.ofSeconds(5),
            null,
            null,
            null,
            Duration.ofSeconds(5),
            dir.resolve("host-state.json"));
    return new ClusterConfig(
        new Cluster("t", "localhost", "127.0.0.1", null),
        List.of(rule),
        members,
        List.of(),
        null,
        settings,
        health,
        null);
  }
}
