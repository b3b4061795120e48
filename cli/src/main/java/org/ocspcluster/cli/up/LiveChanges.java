package org.ocspcluster.cli.up;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/**
 * What a running process can take from a new revision and what needs a restart. Live: revocation
 * configurations (CAs, signers, sources, probes), responder answers, and how rules choose members
 * (weights, handling priorities, affinity, multiple or single host). Fixed while running: the
 * cluster's addresses, the rules' ports, protocols and enabled-ness, the members and their addresses,
 * the balancer, health schedule and admin settings.
 */
final class LiveChanges {
  private LiveChanges() {}

  /**
   * What in {@code next} a process cannot take live, given what it runs: a process with only
   * responder members minds only those members' addresses and how they listen; a balancer (or a
   * whole cluster) minds everything that listens or is probed.
   */
  static List<String> needingRestart(ClusterConfig running, ClusterConfig next, java.util.Set<String> members,
      boolean balancer) {
    if (balancer) {
      return needingRestart(running, next);
    }
    List<String> fixed = new ArrayList<>();
    for (String name : members) {
      var before = running.member(name).map(Member::address);
      var after = next.member(name).map(Member::address);
      if (after.isEmpty()) {
        fixed.add("members (" + name + " is no longer a member)");
      } else if (!before.equals(after)) {
        fixed.add("members (" + name + "'s address)");
      }
    }
    if (running.responder().acceptProxyProtocol() != next.responder().acceptProxyProtocol()) {
      fixed.add("responder.acceptProxyProtocol");
    }
    return fixed;
  }

  static List<String> needingRestart(ClusterConfig running, ClusterConfig next) {
    List<String> fixed = new ArrayList<>();
    if (!running.cluster().equals(next.cluster())) {
      fixed.add("cluster");
    }
    if (!listening(running.portRules()).equals(listening(next.portRules()))) {
      fixed.add("portRules (names, cluster IPs, ports, protocols, disabled)");
    }
    if (!addresses(running.members()).equals(addresses(next.members()))) {
      fixed.add("members (names, addresses)");
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
    if (running.responder().acceptProxyProtocol() != next.responder().acceptProxyProtocol()) {
      fixed.add("responder.acceptProxyProtocol");
    }
    return fixed;
  }

  private static List<String> listening(List<PortRule> rules) {
    return rules.stream().map(r -> String.join("|", r.name(), r.clusterIp(), r.ports().toString(),
        r.protocol().toString(), Boolean.toString(r.filteringMode() == FilteringMode.DISABLED))).toList();
  }

  private static List<String> addresses(List<Member> members) {
    return members.stream().map(m -> m.name() + "@" + Objects.toString(m.address())).toList();
  }
}
