package org.ocspcluster.balancer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.ocspcluster.balancer.hosts.HostControl;
import org.ocspcluster.balancer.hosts.RuleState;
import org.ocspcluster.balancer.proxy.Routing;
import org.ocspcluster.balancer.proxy.TcpListener;
import org.ocspcluster.balancer.proxy.Transport;
import org.ocspcluster.balancer.proxy.UdpRelay;
import org.ocspcluster.balancer.rules.AffinityKey;
import org.ocspcluster.balancer.rules.MemberSelector;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.Member.HostState;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.health.HealthChecker;
import org.ocspcluster.health.MemberHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end on the cluster IPs: listeners for every port of every enabled rule (TCP and UDP),
 * member selection by the rule ({@link MemberSelector}: Maglev for multiple host, handling priority
 * for single host), the operator's host and rule control ({@link HostControl}), connection limits,
 * and the connection metrics. Members the health checker has taken out get no new connections;
 * when no started member is healthy, every started member is tried (a signed OCSP answer carries
 * its own validity, so trying beats refusing).
 */
public final class Balancer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);

  private volatile ClusterConfig config;
  private final HealthChecker health;
  private final Transport transport;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ScheduledExecutorService timer;
  private final Map<String, MemberSelector> selectors = new ConcurrentHashMap<>();
  private final Map<String, List<Channel>> listeners = new ConcurrentHashMap<>();
  private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
  private final Map<String, ChannelGroup> byMember = new ConcurrentHashMap<>();
  private final Map<String, ChannelGroup> byRule = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();
  private final Metrics metrics;
  private final HostControl control;
  private final RoutingImpl routing = new RoutingImpl();

  private Balancer(ClusterConfig config, HealthChecker health, Map<String, InetSocketAddress> overrides,
      MeterRegistry registry, Transport transport) {
    this.config = config;
    this.health = health;
    this.transport = transport;
    this.boss = new MultiThreadIoEventLoopGroup(1, transport.handlers());
    // One event loop per core: a relay is pure I/O, more threads only add context switches.
    this.workers = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), transport.handlers());
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "balancer-control");
      t.setDaemon(true);
      return t;
    });
    for (Member m : config.members()) {
      // Resolved once here, so that no event loop ever waits on DNS.
      addresses.put(m.name(), overrides.getOrDefault(m.name(),
          new InetSocketAddress(m.address().host(), m.address().port())));
      active.put(m.name(), new AtomicInteger());
      byMember.put(m.name(), new DefaultChannelGroup(m.name(), GlobalEventExecutor.INSTANCE));
    }
    for (PortRule r : config.portRules()) {
      selectors.put(r.name(), new MemberSelector(r, config.members()));
      byRule.put(r.name(), new DefaultChannelGroup(r.name(), GlobalEventExecutor.INSTANCE));
    }
    this.control = new HostControl(config, timer, new HostControl.Connections() {
      @Override
      public int active(String member) {
        return active.get(member).get();
      }

      @Override
      public int closeMember(String member) {
        int n = byMember.get(member).size();
        byMember.get(member).close();
        return n;
      }

      @Override
      public int closeRule(String rule) {
        int n = byRule.get(rule).size();
        byRule.get(rule).close();
        return n;
      }
    });
    this.metrics = new Metrics(registry, config, control, active);
    health.onChange(this::followHealth);
  }

  /**
   * A member that fails its health checks gets no new connections at once (the selector skips it);
   * its open connections are cut now, or may finish until the drain timeout, as configured.
   */
  private void followHealth(String member, MemberHealth now) {
    if (now.state() != MemberHealth.State.DOWN || timer.isShutdown()) {
      return;
    }
    if (config.health().failedConnections() == HealthSettings.FailedConnections.CUT) {
      int n = byMember.get(member).size();
      byMember.get(member).close();
      if (n > 0) {
        LOG.info("{}: {} open connection(s) cut (health.failedConnections: cut)", member, n);
      }
      return;
    }
    timer.schedule(() -> {
      if (!health.health(member).usable() && !byMember.get(member).isEmpty()) {
        int n = byMember.get(member).size();
        byMember.get(member).close();
        LOG.info("{}: still down after the drain timeout; {} open connection(s) closed", member, n);
      }
    }, config.balancer().drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts listening. {@code memberAddresses} overrides where a member is reached (tests); absent
   * members are reached at their configured address.
   */
  public static Balancer start(ClusterConfig config, HealthChecker health, Map<String, InetSocketAddress> memberAddresses,
      MeterRegistry registry) throws BalancerException {
    Balancer balancer = new Balancer(config, health, memberAddresses, registry, Transport.best());
    try {
      for (PortRule rule : config.portRules()) {
        if (rule.filteringMode() == FilteringMode.DISABLED) {
          LOG.info("rule {} ({}) is disabled: its ports refuse connections", rule.name(), rule.ports());
          continue;
        }
        balancer.bindRule(rule);
      }
    } catch (BalancerException e) {
      balancer.close();
      throw e;
    }
    balancer.control.onRuleChange(balancer::followRule);
    LOG.info("balancer up on {} ({} transport), members {}", config.clusterIps(), balancer.transport.name(),
        config.members().stream().map(m -> m.name() + "=" + balancer.control.state(m.name())).toList());
    return balancer;
  }

  private void bindRule(PortRule rule) throws BalancerException {
    List<Channel> bound = new ArrayList<>();
    List<String> ips = PortRule.ALL_CLUSTER_IPS.equals(rule.clusterIp()) ? config.clusterIps() : List.of(rule.clusterIp());
    try {
      for (String ip : ips) {
        for (int port = rule.ports().from(); port <= rule.ports().to(); port++) {
          InetSocketAddress address = new InetSocketAddress(ip, port);
          if (rule.coversTcp()) {
            bound.addAll(TcpListener.bind(boss, workers, transport, address, rule, routing, config.balancer()));
          }
          if (rule.coversUdp()) {
            bound.add(UdpRelay.bind(workers, transport, address, rule, routing, metrics::datagram,
                config.balancer().udpIdleTimeout()));
          }
        }
      }
    } catch (RuntimeException e) {
      bound.forEach(Channel::close);
      throw new BalancerException("cannot listen for rule " + rule.name() + " (" + rule.protocol() + " " + rule.ports()
          + " on " + ips + "): " + e.getMessage()
          + " (is another process using the port? is the cluster IP an address of this machine?)");
    }
    listeners.put(rule.name(), bound);
    LOG.info("rule {} listening: {} {} on {} ({}, affinity {})", rule.name(), rule.protocol(), rule.ports(), ips,
        rule.filteringMode(), rule.affinity());
  }

  private void followRule(String name, RuleState state) {
    PortRule rule = config.rule(name).orElseThrow();
    if (state == RuleState.ENABLED) {
      if (!listeners.containsKey(name) && rule.filteringMode() != FilteringMode.DISABLED) {
        try {
          bindRule(rule);
        } catch (BalancerException e) {
          LOG.error("rule {}: {}", name, e.getMessage());
        }
      }
    } else {
      List<Channel> bound = listeners.remove(name);
      if (bound != null) {
        bound.forEach(c -> c.close().syncUninterruptibly());
      }
    }
  }

  /**
   * Takes a newly applied configuration's selection (rule weights, handling priorities, affinity,
   * filtering between multiple and single host): each rule's table is rebuilt and swapped whole.
   * The listening side (IPs, ports, protocols, members' addresses) is fixed while running.
   */
  public void updateSelection(ClusterConfig next) {
    for (PortRule rule : next.portRules()) {
      selectors.put(rule.name(), new MemberSelector(rule, next.members()));
    }
    LOG.info("balancer: selection updated for rules {}", next.portRules().stream().map(PortRule::name).toList());
  }

  /**
   * Follows a new member list: new members get an address, connection tracking, metrics and a host
   * state (their initialState); members that left stop getting connections and their open ones are
   * closed; every rule's table is rebuilt.
   */
  public synchronized void updateMembers(ClusterConfig next, Map<String, InetSocketAddress> overrides) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Member m : next.members()) {
      names.add(m.name());
      addresses.put(m.name(), overrides.getOrDefault(m.name(),
          new InetSocketAddress(m.address().host(), m.address().port())));
      if (active.putIfAbsent(m.name(), new AtomicInteger()) == null) {
        byMember.put(m.name(), new DefaultChannelGroup(m.name(), GlobalEventExecutor.INSTANCE));
        metrics.addMember(m, next, control, active);
      }
      control.addMember(m);
    }
    for (Member m : config.members()) {
      if (!names.contains(m.name())) {
        control.removeMember(m.name());
      }
    }
    config = next;
    updateSelection(next);
  }

  /** Where the listeners are bound, in rule order. */
  public List<InetSocketAddress> localAddresses() {
    return config.portRules().stream()
        .flatMap(r -> listeners.getOrDefault(r.name(), List.of()).stream())
        .map(c -> (InetSocketAddress) c.localAddress())
        .distinct()
        .toList();
  }

  public boolean listening() {
    return !listeners.isEmpty() && listeners.values().stream().flatMap(List::stream).allMatch(Channel::isActive);
  }

  public HostControl control() {
    return control;
  }

  public String transport() {
    return transport.name();
  }

  /** Every member and rule with its state, for {@code query}. */
  public Query query() {
    List<Query.MemberRow> members = new ArrayList<>();
    for (Member m : config.members()) {
      MemberHealth h = health.health(m.name());
      members.add(new Query.MemberRow(m.name(), m.address().toString(), m.priority(), control.state(m.name()).toString(),
          h.state().name().toLowerCase(java.util.Locale.ROOT), h.reason(), active.get(m.name()).get()));
    }
    List<Query.RuleRow> rules = new ArrayList<>();
    for (PortRule r : config.portRules()) {
      MemberSelector selector = selectors.get(r.name());
      Map<String, Integer> slots = selector.table().slotCounts();
      String handles = switch (r.filteringMode()) {
        case DISABLED -> "nobody (disabled)";
        case SINGLE_HOST -> {
          Set<String> live = routing.live();
          List<Member> first = selector.candidates(0, live.isEmpty() ? routing.started() : live, 1);
          yield first.isEmpty() ? "nobody (no member started)" : first.get(0).name();
        }
        case MULTIPLE_HOST -> slots.entrySet().stream()
            .map(e -> e.getKey() + " " + Math.round(1000.0 * e.getValue() / selector.table().size()) / 10.0 + "%")
            .collect(Collectors.joining(", "));
      };
      rules.add(new Query.RuleRow(r.name(), r.clusterIp(), r.ports().toString(), r.protocol().toString(),
          r.filteringMode().toString(), r.affinity().toString(), control.ruleState(r.name()).toString(), handles));
    }
    return new Query(config.cluster().name(), config.cluster().fqdn(), config.clusterIps(), transport.name(), members,
        rules);
  }

  /** What {@code query} shows. */
  public record Query(String cluster, String fqdn, List<String> clusterIps, String transport, List<MemberRow> members,
      List<RuleRow> rules) {
    public record MemberRow(String name, String address, int priority, String state, String health, String reason,
        int activeConnections) {}

    public record RuleRow(String name, String clusterIp, String ports, String protocol, String filteringMode,
        String affinity, String state, String handledBy) {}
  }

  @Override
  public void close() {
    listeners.values().forEach(bound -> bound.forEach(c -> c.close().syncUninterruptibly()));
    listeners.clear();
    timer.shutdownNow();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    LOG.info("balancer stopped");
  }

  /** The balancer's answers to the proxy. */
  private final class RoutingImpl implements Routing {
    /** Asked on every new connection, so a plain loop: no stream, one small set. */
    Set<String> started() {
      int perMember = config.balancer().maxConnectionsPerMember();
      List<Member> members = config.members();
      Set<String> started = new java.util.HashSet<>(members.size() * 2);
      for (Member m : members) {
        String name = m.name();
        if (control.takesNewConnections(name) && active.get(name).get() < perMember) {
          started.add(name);
        }
      }
      return started;
    }

    Set<String> live() {
      Set<String> started = started();
      started.removeIf(name -> !health.health(name).usable());
      return started;
    }

    @Override
    public List<Member> candidates(PortRule rule, InetSocketAddress client) {
      Set<String> live = live();
      if (live.isEmpty() && config.health().panic() == HealthSettings.Panic.SEND_TO_ALL) {
        // Panic: no started member is healthy; try the started ones rather than refuse.
        live = started();
      }
      MemberSelector selector = selectors.get(rule.name());
      long key = AffinityKey.of(selector.rule().affinity(), client);
      return selector.candidates(key, live, config.balancer().connectAttempts());
    }

    @Override
    public boolean admit(PortRule rule, InetSocketAddress client) {
      if (total.get() >= config.balancer().maxConnections()) {
        return false;
      }
      int perClient = config.balancer().maxConnectionsPerClient();
      if (perClient > 0 && client != null) {
        AtomicInteger fromClient = byClient.get(client.getAddress());
        if (fromClient != null && fromClient.get() >= perClient) {
          metrics.refusedPerClient();
          return false;
        }
      }
      return true;
    }

    /** Connections open now per client address, for the per-client limit; entries go when they reach 0. */
    private final Map<java.net.InetAddress, AtomicInteger> byClient = new ConcurrentHashMap<>();

    @Override
    public InetSocketAddress addressOf(Member member) {
      return addresses.get(member.name());
    }

    @Override
    public void opened(PortRule rule, Member member, Channel client, Channel backend) {
      health.connected(member.name());
      metrics.connection(rule.name(), member.name());
      active.get(member.name()).incrementAndGet();
      total.incrementAndGet();
      java.net.InetAddress from = client.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
      boolean perClient = config.balancer().maxConnectionsPerClient() > 0 && from != null;
      if (perClient) {
        byClient.computeIfAbsent(from, c -> new AtomicInteger()).incrementAndGet();
      }
      byMember.get(member.name()).add(client);
      byRule.get(rule.name()).add(client);
      backend.closeFuture().addListener(f -> {
        active.get(member.name()).decrementAndGet();
        total.decrementAndGet();
        if (perClient) {
          byClient.computeIfPresent(from, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
        client.close();
      });
    }

    @Override
    public void unanswered(Member member) {
      metrics.unanswered(member.name());
      health.unanswered(member.name());
    }

    @Override
    public void answered(Member member) {
      health.answered(member.name());
    }

    @Override
    public java.time.Duration answerTimeout() {
      return config.health().timeout();
    }

    @Override
    public void connectFailed(Member member) {
      metrics.connectFailure(member.name());
      health.connectFailed(member.name());
    }

    @Override
    public void bytes(Member member, boolean toMember, long count) {
      metrics.bytes(member.name(), toMember, count);
    }
  }

  /** The nlb_* meters. */
  private static final class Metrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    Metrics(MeterRegistry registry, ClusterConfig config, HostControl control, Map<String, AtomicInteger> active) {
      this.registry = registry;
      this.refusedPerClient = Counter.builder("nlb.connections.refused")
          .description("Client connections refused because their address already held maxConnectionsPerClient")
          .tag("reason", "per_client_limit")
          .register(registry);
      for (Member m : config.members()) {
        addMember(m, config, control, active);
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

    void addMember(Member m, ClusterConfig config, HostControl control, Map<String, AtomicInteger> active) {
      Gauge.builder("nlb.active.connections", active.get(m.name()), AtomicInteger::get)
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
        counter("nlb.connections", "Client connections forwarded, by port rule and member",
            "rule", r.name(), "member", m.name());
        if (r.coversUdp()) {
          for (boolean toMember : new boolean[] {true, false}) {
            datagram(r, m, toMember, 0);
          }
        }
      }
    }

    private final Map<String, Map<String, Counter>> connectionsByRule = new ConcurrentHashMap<>();

    void connection(String rule, String member) {
      connectionsByRule.computeIfAbsent(rule, r -> new ConcurrentHashMap<>())
          .computeIfAbsent(member, m -> counter("nlb.connections",
              "Client connections forwarded, by port rule and member", "rule", rule, "member", m))
          .increment();
    }

    private final Counter refusedPerClient;

    void refusedPerClient() {
      refusedPerClient.increment();
    }

    void unanswered(String member) {
      counter("nlb.unanswered.requests", "Requests relayed to a member that sent nothing back within health.timeout",
          "member", member).increment();
    }

    void connectFailure(String member) {
      connectFailure(member, 1);
    }

    private void connectFailure(String member, int n) {
      counter("nlb.connect.failures", "Connects to a member that were refused or timed out", "member", member)
          .increment(n);
    }

    /** Per read of a relay, so the two counters of a member are looked up by its name alone. */
    private final Map<String, Counter[]> byteCounters = new ConcurrentHashMap<>();

    void bytes(String member, boolean toMember, long count) {
      byteCounters.computeIfAbsent(member, m -> new Counter[] {
          counter("nlb.bytes", "Bytes relayed, by member and direction (to_member, to_client)", "member", m,
              "direction", "to_member"),
          counter("nlb.bytes", "Bytes relayed, by member and direction (to_member, to_client)", "member", m,
              "direction", "to_client")})[toMember ? 0 : 1].increment(count);
    }

    void datagram(PortRule rule, Member member, boolean toMember) {
      datagram(rule, member, toMember, 1);
    }

    private void datagram(PortRule rule, Member member, boolean toMember, int n) {
      counter("nlb.udp.datagrams", "UDP datagrams relayed, by rule, member and direction", "rule", rule.name(),
          "member", member.name(), "direction", toMember ? "to_member" : "to_client").increment(n);
    }

    private Counter counter(String name, String description, String... tags) {
      return counters.computeIfAbsent(name + String.join("|", tags),
          k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }
  }
}
