package org.ocspcluster.balancer;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.balancer.forwarding.CaIndex;
import org.ocspcluster.balancer.forwarding.OcspRule;
import org.ocspcluster.balancer.hosts.HostControl;
import org.ocspcluster.balancer.hosts.Membership;
import org.ocspcluster.balancer.hosts.RuleState;
import org.ocspcluster.balancer.proxy.TcpListener;
import org.ocspcluster.balancer.proxy.Transport;
import org.ocspcluster.balancer.proxy.UdpRelay;
import org.ocspcluster.balancer.rules.MaglevTable;
import org.ocspcluster.balancer.rules.MemberSelector;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.config.RuleMode;
import org.ocspcluster.health.HealthView;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.health.PassiveHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end on the cluster IPs: listeners for every port of every enabled rule (TCP and UDP),
 * member selection by the rule ({@link MemberSelector}: Maglev for multiple host, handling priority
 * for single host), the operator's host and rule control ({@link HostControl}), connection limits,
 * and the connection metrics. Members the health checker has taken out get no new connections; when
 * no started member is healthy, every started member is tried (a signed OCSP answer carries its own
 * validity, so trying beats refusing).
 */
public final class Balancer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);

  private volatile ClusterConfig config;
  private final HealthView health;
  private final Transport transport;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ScheduledExecutorService timer;
  private final Map<String, MemberSelector> selectors = new ConcurrentHashMap<>();
  private final Map<String, List<Channel>> listeners = new ConcurrentHashMap<>();
  private final Map<String, OcspRule> ocspRules = new ConcurrentHashMap<>();
  private final Membership membership = new Membership();
  private final BalancerMetrics metrics;
  private final HostControl control;
  private final MemberChoice selection;
  private final ConnectionTracking events;

  private Balancer(
      ClusterConfig config,
      HealthView health,
      PassiveHealth passive,
      Map<String, InetSocketAddress> overrides,
      MeterRegistry registry,
      Transport transport,
      String frontEnd) {
    this.config = config;
    this.health = health;
    this.transport = transport;
    this.boss = new MultiThreadIoEventLoopGroup(1, transport.handlers());
    // One event loop per core: a relay is pure I/O, more threads only add context switches.
    this.workers =
        new MultiThreadIoEventLoopGroup(
            Runtime.getRuntime().availableProcessors(), transport.handlers());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "balancer-control");
              t.setDaemon(true);
              return t;
            });
    for (Member m : config.members()) {
      membership.add(m, reachedAt(m, overrides));
    }
    for (PortRule r : config.portRules()) {
      selectors.put(r.name(), new MemberSelector(r, config.members()));
      membership.addRule(r.name());
    }
    this.control = new HostControl(config, stateFile(config, frontEnd), timer, membership);
    this.metrics = new BalancerMetrics(registry, config, control, membership);
    this.selection =
        new MemberChoice(() -> this.config, membership, control, health, selectors, metrics);
    this.events = new ConnectionTracking(() -> this.config, membership, passive, metrics);
    health.onChange(this::followHealth);
    if (config.portRules().stream()
        .anyMatch(r -> r.mode() == RuleMode.OCSP && r.ocsp().cache() != null)) {
      caIndex = CaIndex.of(config.revocationConfigurations());
    }
    health.onProbeAnswer(
        (member, configuration, data) ->
            ocspRules.values().forEach(r -> r.probed(member, configuration, data)));
  }

  /** Which configuration each CA key is, for the edge caches; read at start and per revision. */
  private volatile CaIndex caIndex = CaIndex.of(List.of());

  /**
   * The revocation data of {@code configuration} was refreshed on this process's members: the edge
   * caches drop its answers now, not at the next probe.
   */
  public void revocationDataRefreshed(String configuration) {
    ocspRules.values().forEach(r -> r.drop(configuration, "its revocation data was refreshed"));
  }

  /**
   * Front ends on one machine keep host states apart: host-state.json becomes host-state-NAME.json.
   */
  static java.nio.file.Path stateFile(ClusterConfig config, String frontEnd) {
    java.nio.file.Path file = config.balancer().stateFile();
    if (file == null || frontEnd == null) {
      return file;
    }
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return file.resolveSibling(
        dot < 0
            ? name + "-" + frontEnd
            : name.substring(0, dot) + "-" + frontEnd + name.substring(dot));
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
      int n = membership.closeMember(member);
      if (n > 0) {
        LOG.info("{}: {} open connection(s) cut (health.failedConnections: cut)", member, n);
      }
      return;
    }
    timer.schedule(
        () -> {
          if (!health.health(member).usable() && membership.hasOpen(member)) {
            int n = membership.closeMember(member);
            LOG.info(
                "{}: still down after the drain timeout; {} open connection(s) closed", member, n);
          }
        },
        config.balancer().drainTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Starts listening. {@code memberAddresses} overrides where a member is reached (tests); absent
   * members are reached at their configured address.
   */
  public static Balancer start(
      ClusterConfig config,
      HealthView health,
      PassiveHealth passive,
      Map<String, InetSocketAddress> memberAddresses,
      MeterRegistry registry)
      throws BalancerException {
    return start(config, health, passive, memberAddresses, registry, null);
  }

  /**
   * Starts front end {@code frontEnd} of the configuration (null: the only balancer): it listens on
   * the cluster IP before it holds it, and keeps host states in a file of its own.
   */
  public static Balancer start(
      ClusterConfig config,
      HealthView health,
      PassiveHealth passive,
      Map<String, InetSocketAddress> memberAddresses,
      MeterRegistry registry,
      String frontEnd)
      throws BalancerException {
    Balancer balancer =
        new Balancer(
            config,
            health,
            passive,
            memberAddresses,
            registry,
            // A standby front end listens on the cluster IP before it holds it.
            frontEnd == null ? Transport.best() : Transport.best().freeBinding(),
            frontEnd);
    try {
      for (PortRule rule : config.portRules()) {
        if (rule.filteringMode() == FilteringMode.DISABLED) {
          LOG.info(
              "rule {} ({}) is disabled: its ports refuse connections", rule.name(), rule.ports());
          continue;
        }
        balancer.bindRule(rule);
      }
    } catch (BalancerException e) {
      balancer.close();
      throw e;
    }
    balancer.control.onRuleChange(balancer::followRule);
    LOG.info(
        "balancer up on {} ({} transport), members {}",
        config.clusterIps(),
        balancer.transport.name(),
        config.members().stream()
            .map(m -> m.name() + "=" + balancer.control.state(m.name()))
            .toList());
    return balancer;
  }

  private void bindRule(PortRule rule) throws BalancerException {
    List<Channel> bound = new ArrayList<>();
    List<String> ips =
        PortRule.ALL_CLUSTER_IPS.equals(rule.clusterIp())
            ? config.clusterIps()
            : List.of(rule.clusterIp());
    OcspRule ocsp = rule.mode() == RuleMode.OCSP ? ocspRule(rule) : null;
    for (String ip : ips) {
      for (int port = rule.ports().from(); port <= rule.ports().to(); port++) {
        InetSocketAddress address = new InetSocketAddress(ip, port);
        try {
          if (ocsp != null) {
            bound.addAll(
                TcpListener.bind(
                    boss, workers, transport, address, config.balancer(), ocsp::accept));
          } else if (rule.coversTcp()) {
            bound.addAll(
                TcpListener.bind(
                    boss, workers, transport, address, rule, selection, events, config.balancer()));
          }
          if (rule.coversUdp()) {
            bound.add(
                UdpRelay.bind(
                    workers,
                    transport,
                    address,
                    rule,
                    selection,
                    metrics::datagram,
                    config.balancer().udpIdleTimeout()));
          }
        } catch (Exception e) { // Netty throws the system's bind error unchecked
          bound.forEach(Channel::close);
          throw new BalancerException(
              org.ocspcluster.responder.http.ListenErrors.describe(
                  "the balancer's rule " + rule.name() + " (" + rule.protocol() + ")",
                  address,
                  e,
                  "the rule's ports or the cluster IP"));
        }
      }
    }
    listeners.put(rule.name(), bound);
    LOG.info(
        "rule {} listening: {} {} on {} ({}, affinity {}, mode {})",
        rule.name(),
        rule.protocol(),
        rule.ports(),
        ips,
        rule.filteringMode(),
        rule.affinity(),
        mode(rule));
  }

  /** The rule's forwarding (pools, retry budget), made once and kept while the balancer runs. */
  private OcspRule ocspRule(PortRule rule) {
    return ocspRules.computeIfAbsent(
        rule.name(),
        name -> {
          OcspRule ocsp =
              new OcspRule(
                  rule, selection, events, transport, config.balancer(), config.responder());
          for (Member m : config.members()) {
            metrics.ocspPool(name, m.name(), ocsp.open(m.name()), ocsp.inUse(m.name()));
          }
          metrics.ocspRule(name);
          if (ocsp.caches()) {
            metrics.ocspCacheSize(name, ocsp);
            ocsp.index(caIndex);
          }
          return ocsp;
        });
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
    LOG.info(
        "balancer: selection updated for rules {}",
        next.portRules().stream().map(PortRule::name).toList());
  }

  /**
   * Follows a new member list: new members get an address, connection tracking, metrics and a host
   * state (their initialState); members that left stop getting connections, their open ones are
   * closed and their nlb_* meters removed; every rule's table is rebuilt.
   */
  public synchronized void updateMembers(
      ClusterConfig next, Map<String, InetSocketAddress> overrides) {
    java.util.Set<String> names = new java.util.HashSet<>();
    java.util.Set<String> before = new java.util.HashSet<>();
    config.members().forEach(m -> before.add(m.name()));
    for (Member m : next.members()) {
      names.add(m.name());
      InetSocketAddress was = membership.address(m.name());
      membership.add(m, reachedAt(m, overrides));
      if (was != null && !was.equals(membership.address(m.name()))) {
        ocspRules.values().forEach(r -> r.forget(m.name()));
      }
      if (!before.contains(m.name())) {
        metrics.addMember(m, next, control, membership);
        ocspRules.forEach(
            (rule, r) -> metrics.ocspPool(rule, m.name(), r.open(m.name()), r.inUse(m.name())));
      }
      control.addMember(m);
    }
    for (Member m : config.members()) {
      if (!names.contains(m.name())) {
        control.removeMember(m.name());
        metrics.removeMember(m.name());
        ocspRules.values().forEach(r -> r.forget(m.name()));
      }
    }
    followConfigurations(config, next);
    config = next;
    updateSelection(next);
  }

  /**
   * A revision that changes, adds or removes a revocation configuration: the edge caches drop its
   * answers and learn the new CA keys.
   */
  private void followConfigurations(ClusterConfig before, ClusterConfig next) {
    if (ocspRules.values().stream().noneMatch(OcspRule::caches)
        || before.revocationConfigurations().equals(next.revocationConfigurations())) {
      return;
    }
    CaIndex index = CaIndex.of(next.revocationConfigurations());
    caIndex = index;
    ocspRules.values().forEach(r -> r.index(index));
    Map<String, org.ocspcluster.config.RevocationConfiguration> was = new java.util.HashMap<>();
    before.revocationConfigurations().forEach(c -> was.put(c.name(), c));
    for (var c : next.revocationConfigurations()) {
      if (!c.equals(was.remove(c.name()))) {
        ocspRules
            .values()
            .forEach(r -> r.revised(c.name(), "a revision changed the configuration"));
      }
    }
    for (String gone : was.keySet()) {
      ocspRules.values().forEach(r -> r.revised(gone, "a revision removed the configuration"));
    }
  }

  /**
   * Where {@code m} is reached: its override (a member this process started elsewhere), else its
   * address.
   */
  private static InetSocketAddress reachedAt(Member m, Map<String, InetSocketAddress> overrides) {
    return overrides.getOrDefault(
        m.name(), new InetSocketAddress(m.address().host(), m.address().port()));
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
    return !listeners.isEmpty()
        && listeners.values().stream().flatMap(List::stream).allMatch(Channel::isActive);
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
      members.add(
          new Query.MemberRow(
              m.name(),
              m.address().toString(),
              m.priority(),
              control.state(m.name()).toString(),
              h.state().name().toLowerCase(java.util.Locale.ROOT),
              h.reason(),
              membership.active(m.name()),
              control.changedAt(m.name())));
    }
    List<Query.RuleRow> rules = new ArrayList<>();
    for (PortRule r : config.portRules()) {
      MemberSelector selector = selectors.get(r.name());
      Map<String, Integer> slots = selector.table().slotCounts();
      String handles =
          switch (r.filteringMode()) {
            case DISABLED -> "nobody (disabled)";
            case SINGLE_HOST -> {
              Set<String> live = selection.live();
              List<Member> first =
                  selector.candidates(0, live.isEmpty() ? selection.started() : live, 1);
              yield first.isEmpty() ? "nobody (no member started)" : first.get(0).name();
            }
            case MULTIPLE_HOST -> shares(selector.table(), slots);
          };
      rules.add(
          new Query.RuleRow(
              r.name(),
              r.clusterIp(),
              r.ports().toString(),
              r.protocol().toString(),
              mode(r),
              r.filteringMode().toString(),
              r.affinity().toString(),
              r.filteringMode() == FilteringMode.DISABLED
                  ? "disabled (filteringMode)"
                  : control.ruleState(r.name()).toString(),
              handles,
              control.ruleChangedAt(r.name())));
    }
    return new Query(
        config.cluster().name(),
        config.cluster().fqdn(),
        config.clusterIps(),
        transport.name(),
        health.panicReason(),
        members,
        rules);
  }

  /**
   * Who takes a multiple-host rule's new connections now: each live member's share, and the
   * configured share where it differs (a member stopped, draining or down gives its share away).
   */
  private String shares(MaglevTable table, Map<String, Integer> configured) {
    Set<String> live = selection.live();
    boolean panic = live.isEmpty() && config.health().panic() == HealthSettings.Panic.SEND_TO_ALL;
    if (panic) {
      live = selection.started();
    }
    Map<String, Integer> now = table.usableSlotCounts(live::contains);
    if (now.isEmpty()) {
      return "nobody (no member started and healthy)";
    }
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Integer> e : configured.entrySet()) {
      String live1 = percent(now.getOrDefault(e.getKey(), 0), table.size());
      String set = percent(e.getValue(), table.size());
      parts.add(e.getKey() + " " + live1 + (live1.equals(set) ? "" : " (configured " + set + ")"));
    }
    return String.join(", ", parts) + (panic ? " (panic: no member healthy)" : "");
  }

  private static String percent(int slots, int of) {
    return Math.round(1000.0 * slots / of) / 10.0 + "%";
  }

  /** A rule's mode as {@code query} shows it: how an OCSP rule retries, and its edge cache. */
  private String mode(PortRule r) {
    if (r.mode() != RuleMode.OCSP) {
      return "tcp";
    }
    OcspRule running = ocspRules.get(r.name());
    String cache =
        r.ocsp().cache() == null
            ? ""
            : ", edge cache "
                + (running == null ? 0 : running.cacheEntries())
                + " answers of at most "
                + r.ocsp().cache().entries()
                + " / "
                + r.ocsp().cache().megabytes()
                + " MiB";
    return "ocsp ("
        + r.ocsp().tries()
        + " tries, retry budget "
        + r.ocsp().retryBudget()
        + "%"
        + cache
        + ")";
  }

  /** What {@code query} shows. */
  /** {@code panic} is why no member is healthy, or null while one is. */
  public record Query(
      String cluster,
      String fqdn,
      List<String> clusterIps,
      String transport,
      String panic,
      List<MemberRow> members,
      List<RuleRow> rules) {
    public record MemberRow(
        String name,
        String address,
        int priority,
        String state,
        String health,
        String reason,
        int activeConnections,
        long stateChangedAt) {}

    public record RuleRow(
        String name,
        String clusterIp,
        String ports,
        String protocol,
        String mode,
        String filteringMode,
        String affinity,
        String state,
        String handledBy,
        long stateChangedAt) {}
  }

  @Override
  public void close() {
    listeners.values().forEach(bound -> bound.forEach(c -> c.close().syncUninterruptibly()));
    listeners.clear();
    ocspRules.values().forEach(OcspRule::close);
    timer.shutdownNow();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    LOG.info("balancer stopped");
  }
}
