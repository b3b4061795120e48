package org.ocspcluster.balancer;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.ocspcluster.balancer.hosts.HostControl;
import org.ocspcluster.balancer.hosts.Membership;
import org.ocspcluster.balancer.proxy.Selection;
import org.ocspcluster.balancer.rules.AffinityKey;
import org.ocspcluster.balancer.rules.MemberSelector;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.MemberPort;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.health.HealthView;

/**
 * The proxy's selection: which members may take a new client now (started by host control, under
 * their connection limit, healthy; or, in panic, every started one), then the rule's pure {@link
 * MemberSelector} picks among them by the client's affinity key.
 */
final class MemberChoice implements Selection {
  private final Supplier<ClusterConfig> config;
  private final Membership membership;
  private final HostControl control;
  private final HealthView health;
  private final Map<String, MemberSelector> selectors;
  private final BalancerMetrics metrics;

  MemberChoice(
      Supplier<ClusterConfig> config,
      Membership membership,
      HostControl control,
      HealthView health,
      Map<String, MemberSelector> selectors,
      BalancerMetrics metrics) {
    this.config = config;
    this.membership = membership;
    this.control = control;
    this.health = health;
    this.selectors = selectors;
    this.metrics = metrics;
  }

  /**
   * Members that take new connections now. Asked on every new connection, so a plain loop: no
   * stream, one small set.
   */
  Set<String> started() {
    ClusterConfig now = config.get();
    int perMember = now.balancer().maxConnectionsPerMember();
    List<Member> members = now.members();
    Set<String> started = new HashSet<>(members.size() * 2);
    for (Member m : members) {
      String name = m.name();
      if (control.takesNewConnections(name) && membership.active(name) < perMember) {
        started.add(name);
      }
    }
    return started;
  }

  /** Started members that are also healthy. */
  Set<String> live() {
    Set<String> started = started();
    started.removeIf(name -> !health.health(name).usable());
    return started;
  }

  @Override
  public List<Member> candidates(PortRule rule, InetSocketAddress client) {
    return candidates(rule, client, config.get().balancer().connectAttempts());
  }

  @Override
  public List<Member> candidates(PortRule rule, InetSocketAddress client, int count) {
    ClusterConfig now = config.get();
    Set<String> live = live();
    if (live.isEmpty() && now.health().panic() == HealthSettings.Panic.SEND_TO_ALL) {
      // Panic: no started member is healthy; try the started ones rather than refuse.
      live = started();
    }
    MemberSelector selector = selectors.get(rule.name());
    long key = AffinityKey.of(selector.rule().affinity(), client);
    return selector.candidates(key, live, count);
  }

  @Override
  public boolean admit(PortRule rule, InetSocketAddress client) {
    ClusterConfig now = config.get();
    if (membership.total() >= now.balancer().maxConnections()) {
      return false;
    }
    int perClient = now.balancer().maxConnectionsPerClient();
    if (perClient > 0
        && client != null
        && membership.fromClient(client.getAddress()) >= perClient) {
      metrics.refusedPerClient();
      return false;
    }
    return true;
  }

  @Override
  public InetSocketAddress addressOf(Member member, PortRule rule, int clientPort) {
    InetSocketAddress resolved = membership.address(member.name());
    if (rule.memberPort().equals(MemberPort.ADDRESS)) {
      return resolved;
    }
    int port = rule.memberPort().portFor(member.address(), clientPort);
    return resolved.getAddress() == null
        ? InetSocketAddress.createUnresolved(resolved.getHostString(), port)
        : new InetSocketAddress(resolved.getAddress(), port);
  }
}
