package org.ocspcluster.balancer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.ocspcluster.balancer.proxy.MemberPool;
import org.ocspcluster.balancer.proxy.TcpListener;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.health.HealthChecker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front end on the cluster IP: one listener per port of every enabled TCP rule, spreading
 * client connections over the members the health checker has not taken out. When every member is
 * down it keeps sending to all of them (a signed OCSP answer carries its own validity, so trying is
 * better than refusing).
 */
public final class Balancer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final List<Channel> listeners;

  private Balancer(EventLoopGroup boss, EventLoopGroup workers, List<Channel> listeners) {
    this.boss = boss;
    this.workers = workers;
    this.listeners = listeners;
  }

  /**
   * Starts listening. {@code memberAddresses} overrides where a member is reached (tests); absent
   * members are reached at their configured address.
   */
  public static Balancer start(ClusterConfig config, HealthChecker health, Map<String, InetSocketAddress> memberAddresses,
      MeterRegistry registry) throws BalancerException {
    Pool pool = new Pool(config, health, memberAddresses, registry);
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
    List<Channel> listeners = new ArrayList<>();
    try {
      for (PortRule rule : config.portRules()) {
        if (rule.filteringMode() == FilteringMode.DISABLED) {
          LOG.info("rule {} ({}) is disabled: its ports refuse connections", rule.name(), rule.ports());
          continue;
        }
        for (int port = rule.ports().from(); port <= rule.ports().to(); port++) {
          InetSocketAddress address = new InetSocketAddress(config.cluster().ip(), port);
          try {
            listeners.add(TcpListener.bind(boss, workers, address, rule, pool));
          } catch (RuntimeException e) {
            throw new BalancerException("cannot listen on " + config.cluster().ip() + ":" + port + " for rule "
                + rule.name() + ": " + e.getMessage()
                + " (is another process using it? is cluster.ip an address of this machine?)");
          }
          LOG.info("balancer listening on {}:{} (rule {}, {}, affinity {})", config.cluster().ip(), port,
              rule.name(), rule.filteringMode(), rule.affinity());
        }
      }
    } catch (BalancerException e) {
      listeners.forEach(Channel::close);
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
    return new Balancer(boss, workers, listeners);
  }

  /** Where the listeners are bound (the first is the first rule's first port). */
  public List<InetSocketAddress> localAddresses() {
    return listeners.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
  }

  public boolean listening() {
    return !listeners.isEmpty() && listeners.stream().allMatch(Channel::isActive);
  }

  @Override
  public void close() {
    listeners.forEach(c -> c.close().syncUninterruptibly());
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    LOG.info("balancer stopped");
  }

  /** Members, their health and the connection metrics. */
  private static final class Pool implements MemberPool {
    private final List<Member> members;
    private final HealthChecker health;
    private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
    private final Map<String, Counter> connections = new ConcurrentHashMap<>();
    private final MeterRegistry registry;

    Pool(ClusterConfig config, HealthChecker health, Map<String, InetSocketAddress> overrides, MeterRegistry registry) {
      this.members = config.members();
      this.health = health;
      this.registry = registry;
      for (Member m : members) {
        // Resolved once here, so that no event loop ever waits on DNS.
        addresses.put(m.name(), overrides.getOrDefault(m.name(),
            new InetSocketAddress(m.address().host(), m.address().port())));
        AtomicInteger count = new AtomicInteger();
        active.put(m.name(), count);
        Gauge.builder("nlb.active.connections", count, AtomicInteger::get)
            .description("Client connections open through the balancer, by member")
            .tag("member", m.name())
            .register(registry);
        for (PortRule rule : config.portRules()) {
          counter(rule.name(), m.name());
        }
      }
    }

    @Override
    public List<Member> usable() {
      List<Member> up = members.stream().filter(m -> health.health(m.name()).usable()).toList();
      // Panic policy: with every member down, try them all rather than refuse.
      return up.isEmpty() ? members : up;
    }

    @Override
    public InetSocketAddress addressOf(Member member) {
      return addresses.get(member.name());
    }

    @Override
    public void opened(String rule, Member member) {
      counter(rule, member.name()).increment();
      active.get(member.name()).incrementAndGet();
    }

    @Override
    public void closed(Member member) {
      active.get(member.name()).decrementAndGet();
    }

    private Counter counter(String rule, String member) {
      return connections.computeIfAbsent(rule + "\u0000" + member, k -> Counter.builder("nlb.connections")
          .description("Client connections forwarded by the balancer, by port rule and member")
          .tag("rule", rule)
          .tag("member", member)
          .register(registry));
    }
  }
}
