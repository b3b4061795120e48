package org.ocspcluster.balancer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.ocspcluster.balancer.forwarding.OcspRule;
import org.ocspcluster.balancer.hosts.HostControl;
import org.ocspcluster.balancer.hosts.Membership;
import org.ocspcluster.balancer.hosts.RuleState;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.Member.HostState;
import org.ocspcluster.config.PortRule;

/** The balancer's nlb_* meters. */
final class BalancerMetrics {
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  BalancerMetrics(
      MeterRegistry registry, ClusterConfig config, HostControl control, Membership membership) {
    this.registry = registry;
    this.refusedPerClient =
        Counter.builder("nlb.connections.refused")
            .description(
                "Client connections refused because their address already held maxConnectionsPerClient")
            .tag("reason", "per_client_limit")
            .register(registry);
    for (Member m : config.members()) {
      addMember(m, config, control, membership);
    }
    for (PortRule r : config.portRules()) {
      for (RuleState state : RuleState.values()) {
        Gauge.builder("nlb.rule.state", control, c -> c.ruleState(r.name()) == state ? 1 : 0)
            .description("1 for the port rule's current state")
            .tag("rule", r.name())
            .tag("state", state.toString())
            .register(registry);
      }
    }
  }

  void addMember(Member m, ClusterConfig config, HostControl control, Membership membership) {
    Gauge.builder("nlb.active.connections", membership.activeCounter(m.name()), AtomicInteger::get)
        .description("Client connections open through the balancer, by member")
        .tag("member", m.name())
        .register(registry);
    for (HostState state : HostState.values()) {
      Gauge.builder("nlb.member.state", control, c -> c.state(m.name()) == state ? 1 : 0)
          .description("1 for the member's current host state")
          .tag("member", m.name())
          .tag("state", state.toString())
          .register(registry);
    }
    connectFailure(m.name(), 0);
    for (PortRule r : config.portRules()) {
      counter(
          "nlb.connections",
          "Client connections forwarded, by port rule and member",
          "rule",
          r.name(),
          "member",
          m.name());
      if (r.coversUdp()) {
        for (boolean toMember : new boolean[] {true, false}) {
          datagram(r, m, toMember, 0);
        }
      }
    }
  }

  /**
   * Removes every nlb_* meter of a member that left the configuration, so that no metric outlives
   * what it measures; a member that joins again is registered anew.
   */
  void removeMember(String member) {
    for (io.micrometer.core.instrument.Meter meter : registry.getMeters()) {
      if (member.equals(meter.getId().getTag("member"))
          && meter.getId().getName().startsWith("nlb.")) {
        registry.remove(meter);
      }
    }
    counters
        .keySet()
        .removeIf(
            key -> key.contains("member|" + member + "|") || key.endsWith("member|" + member));
    connectionsByRule.values().forEach(byMember -> byMember.remove(member));
    tries.values().forEach(byMember -> byMember.remove(member));
    requests.values().forEach(byMember -> byMember.remove(member));
    byteCounters.remove(member);
  }

  private final Map<String, Map<String, Counter>> connectionsByRule = new ConcurrentHashMap<>();

  void connection(String rule, String member) {
    connectionsByRule
        .computeIfAbsent(rule, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(
            member,
            m ->
                counter(
                    "nlb.connections",
                    "Client connections forwarded, by port rule and member",
                    "rule",
                    rule,
                    "member",
                    m))
        .increment();
  }

  private final Counter refusedPerClient;

  void refusedPerClient() {
    refusedPerClient.increment();
  }

  void unanswered(String member) {
    counter(
            "nlb.unanswered.requests",
            "Requests relayed to a member that sent nothing back within health.timeout",
            "member",
            member)
        .increment();
  }

  void connectFailure(String member) {
    connectFailure(member, 1);
  }

  private void connectFailure(String member, int n) {
    counter(
            "nlb.connect.failures",
            "Connects to a member that were refused or timed out",
            "member",
            member)
        .increment(n);
  }

  /** Per read of a relay, so the two counters of a member are looked up by its name alone. */
  private final Map<String, Counter[]> byteCounters = new ConcurrentHashMap<>();

  void bytes(String member, boolean toMember, long count) {
    byteCounters
        .computeIfAbsent(
            member,
            m ->
                new Counter[] {
                  counter(
                      "nlb.bytes",
                      "Bytes relayed, by member and direction (to_member, to_client)",
                      "member",
                      m,
                      "direction",
                      "to_member"),
                  counter(
                      "nlb.bytes",
                      "Bytes relayed, by member and direction (to_member, to_client)",
                      "member",
                      m,
                      "direction",
                      "to_client")
                })[toMember ? 0 : 1]
        .increment((double) count);
  }

  void datagram(PortRule rule, Member member, boolean toMember) {
    datagram(rule, member, toMember, 1);
  }

  private void datagram(PortRule rule, Member member, boolean toMember, int n) {
    counter(
            "nlb.udp.datagrams",
            "UDP datagrams relayed, by rule, member and direction",
            "rule",
            rule.name(),
            "member",
            member.name(),
            "direction",
            toMember ? "to_member" : "to_client")
        .increment(n);
  }

  /**
   * Counters asked for on every forwarded request, found by (rule, member, result) without building
   * a key: the registry's own lookup is the slow path, taken once per combination.
   */
  private final Map<String, Map<String, Map<String, Counter>>> tries = new ConcurrentHashMap<>();

  private final Map<String, Map<String, Map<String, Counter>>> requests = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Map<String, Counter>>> cacheRequests =
      new ConcurrentHashMap<>();

  private static Counter find(
      Map<String, Map<String, Map<String, Counter>>> counters, String a, String b, String c) {
    Map<String, Map<String, Counter>> byB = counters.get(a);
    Map<String, Counter> byC = byB == null ? null : byB.get(b);
    return byC == null ? null : byC.get(c);
  }

  private static Counter remember(
      Map<String, Map<String, Map<String, Counter>>> counters,
      String a,
      String b,
      String c,
      Counter counter) {
    counters
        .computeIfAbsent(a, x -> new ConcurrentHashMap<>())
        .computeIfAbsent(b, x -> new ConcurrentHashMap<>())
        .putIfAbsent(c, counter);
    return counter;
  }

  void ocspTry(String rule, String member, String result) {
    Counter known = find(tries, rule, member, result);
    if (known == null) {
      known =
          remember(
              tries,
              rule,
              member,
              result,
              counter(
                  "nlb.ocsp.tries",
                  "Tries of forwarded OCSP requests, by rule, member and result (answered, refused, busy,"
                      + " closed, timeout, http_5xx, try_later, internal_error)",
                  "rule",
                  rule,
                  "member",
                  member,
                  "result",
                  result));
    }
    known.increment();
  }

  /**
   * The meters an OCSP rule's alerts read, at zero from the start, so that an alert on them has a
   * series before the first failure.
   */
  void ocspRule(String rule) {
    retries(rule, "sent");
    retries(rule, "over_budget");
    requests(rule, "none", "unavailable");
  }

  void ocspRetry(String rule, boolean sent) {
    retries(rule, sent ? "sent" : "over_budget").increment();
  }

  private Counter retries(String rule, String outcome) {
    return counter(
        "nlb.ocsp.retries",
        "Retries of OCSP requests on another member: sent, or refused by the retry budget",
        "rule",
        rule,
        "outcome",
        outcome);
  }

  void ocspRequest(String rule, String member, String result) {
    Counter known = find(requests, rule, member, result);
    if (known == null) {
      known = remember(requests, rule, member, result, requests(rule, member, result));
    }
    known.increment();
  }

  private Counter requests(String rule, String member, String result) {
    return counter(
        "nlb.ocsp.requests",
        "OCSP requests answered to clients, by rule, the member whose answer it was (none: the"
            + " balancer's 503) and result (answered, last_answer, unavailable)",
        "rule",
        rule,
        "member",
        member,
        "result",
        result);
  }

  void ocspCache(String rule, String result) {
    Counter known = find(cacheRequests, rule, "", result);
    if (known == null) {
      known =
          remember(
              cacheRequests,
              rule,
              "",
              result,
              counter(
                  "nlb.ocsp.cache.requests",
                  "Requests the edge cache took, by rule and result (hit, not_modified, miss, shared_miss,"
                      + " bypass)",
                  "rule",
                  rule,
                  "result",
                  result));
    }
    known.increment();
  }

  void ocspCacheRemoved(String rule, String cause) {
    counter(
            "nlb.ocsp.cache.evictions",
            "Answers the edge cache let go, by rule and cause (size, expired, dropped)",
            "rule",
            rule,
            "cause",
            cause)
        .increment();
  }

  /** The edge cache's size: answers kept and their bytes. */
  void ocspCacheSize(String rule, OcspRule ocsp) {
    Gauge.builder("nlb.ocsp.cache.entries", ocsp, OcspRule::cacheEntries)
        .description("Answers the edge cache keeps now")
        .tag("rule", rule)
        .register(registry);
    Gauge.builder("nlb.ocsp.cache.bytes", ocsp, OcspRule::cacheBytes)
        .description("Bytes of the answers the edge cache keeps now")
        .tag("rule", rule)
        .register(registry);
  }

  /** The kept-alive member connections of an OCSP rule, open and in use. */
  void ocspPool(String rule, String member, AtomicInteger open, AtomicInteger inUse) {
    for (Map.Entry<String, AtomicInteger> state :
        Map.of("open", open, "in_use", inUse).entrySet()) {
      Gauge.builder("nlb.ocsp.member.connections", state.getValue(), AtomicInteger::get)
          .description(
              "Kept-alive connections from an OCSP rule to a member, by state (open, in_use)")
          .tag("rule", rule)
          .tag("member", member)
          .tag("state", state.getKey())
          .register(registry);
    }
  }

  private Counter counter(String name, String description, String... tags) {
    return counters.computeIfAbsent(
        name + String.join("|", tags),
        k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }
}
