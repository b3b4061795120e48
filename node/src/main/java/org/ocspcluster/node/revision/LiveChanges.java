package org.ocspcluster.node.revision;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/**
 * What a running process can take from a new revision and what needs a restart. Live: revocation
 * configurations (CAs, signers, sources, probes), responder answers, how rules choose members
 * (weights, handling priorities, affinity, multiple or single host), and the member list (members
 * added or removed; a balancer follows their addresses). Fixed while running: the cluster's
 * addresses, the rules' ports, protocols and enabled-ness, where this process's own members listen,
 * the balancer, health schedule and admin settings.
 */
public final class LiveChanges {
  private LiveChanges() {}

  /**
   * What in {@code next} a process cannot take live, given what it runs: a process with only
   * responder members minds only those members' addresses and how they listen; a balancer (or a
   * whole cluster) minds everything that listens or is probed.
   */
  public static List<String> needingRestart(
      ClusterConfig running,
      ClusterConfig next,
      java.util.Set<String> members,
      boolean balancer,
      boolean runsAllMembers) {
    List<String> fixed = balancer ? needingRestart(running, next) : new ArrayList<>();
    for (String name : members) {
      var before = running.member(name).map(Member::address);
      var after = next.member(name).map(Member::address);
      if (after.isEmpty() && !runsAllMembers) {
        fixed.add("members (" + name + ", which this process runs, is no longer a member)");
      } else if (after.isPresent() && !before.equals(after)) {
        fixed.add("members (" + name + "'s address, where this process listens)");
      }
    }
    if (!balancer) {
      fixed.addAll(listenerSettings(running, next));
    }
    return fixed;
  }

  /** The responder settings its listener takes when it starts. */
  private static List<String> listenerSettings(ClusterConfig running, ClusterConfig next) {
    List<String> fixed = new ArrayList<>();
    var before = running.responder();
    var after = next.responder();
    if (!Objects.equals(before.acceptProxyProtocol(), after.acceptProxyProtocol())) {
      fixed.add("responder.acceptProxyProtocol");
    }
    if (!before.maxConnections().equals(after.maxConnections())
        || !before.maxConnectionsPerClient().equals(after.maxConnectionsPerClient())
        || !before.requestTimeout().equals(after.requestTimeout())) {
      fixed.add("responder.maxConnections, maxConnectionsPerClient, requestTimeout");
    }
    if (!java.util.Objects.equals(before.tls(), after.tls())) {
      fixed.add("responder.tls");
    }
    return fixed;
  }

  /**
   * Whether {@code next} changes the front ends or how the cluster IP moves: a running front end
   * keeps the keepalived or bird configuration it wrote at start (and its peers), so the change
   * takes effect on each front end when it restarts. Not a refusal: front ends can then be added or
   * tuned one at a time, without stopping them all.
   */
  public static boolean frontEndsChanged(ClusterConfig running, ClusterConfig next) {
    return !running.frontEnds().equals(next.frontEnds())
        || !running.failover().equals(next.failover());
  }

  static List<String> needingRestart(ClusterConfig running, ClusterConfig next) {
    List<String> fixed = new ArrayList<>();
    if (!running.cluster().equals(next.cluster())) {
      fixed.add("cluster");
    }
    if (!listening(running.portRules()).equals(listening(next.portRules()))) {
      fixed.add(
          "portRules (names, cluster IPs, ports, protocols, disabled, mode, ocsp, memberPort)");
    }
    if (!running.balancer().equals(next.balancer())) {
      fixed.add("balancer");
    }

    if (!running.health().equals(next.health())) {
      fixed.add("health");
    }
    if (!running.admin().equals(next.admin())) {
      fixed.add("admin");
    }
    fixed.addAll(listenerSettings(running, next));
    return fixed;
  }

  private static List<String> listening(List<PortRule> rules) {
    return rules.stream()
        .map(
            r ->
                String.join(
                    "|",
                    r.name(),
                    r.clusterIp(),
                    r.ports().toString(),
                    r.protocol().toString(),
                    Boolean.toString(r.filteringMode() == FilteringMode.DISABLED),
                    r.mode().toString(),
                    r.ocsp().toString(),
                    r.memberPort().toString()))
        .toList();
  }
}
