package org.ocspcluster.cli.up;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ocspcluster.balancer.Balancer;
import org.ocspcluster.balancer.BalancerException;
import org.ocspcluster.cli.admin.AdminServer;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Member;
import org.ocspcluster.health.HealthChecker;
import org.ocspcluster.responder.ResponderException;
import org.ocspcluster.responder.ResponderMember;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a cluster this process runs (some members, the balancer, the admin listener), started
 * in order and closed in reverse. {@code up} runs them all; {@code responder} and {@code balancer}
 * run one part each.
 */
public final class ClusterProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterProcess.class);

  private final ClusterConfig config;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Map<String, InetSocketAddress> memberAddresses = new LinkedHashMap<>();
  private HealthChecker health;
  private Balancer balancer;
  private AdminServer admin;

  public ClusterProcess(ClusterConfig config) {
    this.config = config;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    started.push(gc);
  }

  /** Starts member {@code name}; on {@code listen} when given, else at its configured address. */
  public ResponderMember startMember(String name, InetSocketAddress listen) throws ResponderException {
    ResponderMember member = listen == null
        ? ResponderMember.start(config, name, registry)
        : ResponderMember.start(config, name, listen, registry);
    started.push(member);
    memberAddresses.put(name, member.localAddress());
    return member;
  }

  /** Stops a member this process runs (as if its process died); the balancer notices by probing. */
  public void stopMember(String name) {
    started.removeIf(part -> {
      if (part instanceof ResponderMember m && m.name().equals(name)) {
        m.close();
        return true;
      }
      return false;
    });
  }

  public void startAllMembers() throws ResponderException {
    for (Member m : config.members()) {
      startMember(m.name(), null);
    }
  }

  /** Starts the health probes and the balancer, reaching members where this process started them. */
  public Balancer startBalancer() throws BalancerException, IOException {
    Map<String, URI> uris = new LinkedHashMap<>();
    memberAddresses.forEach((name, a) -> uris.put(name, URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/")));
    health = new HealthChecker(config, uris, Duration.ofSeconds(2), Duration.ofSeconds(2));
    started.push(health);
    health.start();
    balancer = Balancer.start(config, health, memberAddresses, registry);
    started.push(balancer);
    return balancer;
  }

  /** Starts the admin listener (metrics, readiness) at {@code listen}. */
  public AdminServer startAdmin(InetSocketAddress listen) {
    admin = AdminServer.start(listen, registry, this::notReadyReason);
    started.push(admin);
    return admin;
  }

  private String notReadyReason() {
    if (balancer != null) {
      if (!balancer.listening()) {
        return "the balancer is not listening";
      }
      if (!health.anyUp()) {
        return "no member has answered a health probe yet";
      }
      return null;
    }
    // A responder-only process is ready once its members listen.
    return memberAddresses.isEmpty() ? "nothing is running" : null;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public HealthChecker health() {
    return health;
  }

  public List<InetSocketAddress> memberAddresses() {
    return List.copyOf(memberAddresses.values());
  }

  public ClusterConfig config() {
    return config;
  }

  /** Closes everything in reverse order of starting; never throws. */
  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn("while stopping {}: {}", part.getClass().getSimpleName(), e.toString());
      }
    }
    registry.close();
  }
}
