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
import org.ocspcluster.config.RevocationConfiguration;
import java.nio.file.Path;
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

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private final ClusterConfig config;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Map<String, InetSocketAddress> memberAddresses = new LinkedHashMap<>();
  private final List<ResponderMember> members = new java.util.concurrent.CopyOnWriteArrayList<>();
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
    members.add(member);
    memberAddresses.put(name, member.localAddress());
    return member;
  }

  /** Stops a member this process runs (as if its process died); the balancer notices by probing. */
  public void stopMember(String name) {
    members.removeIf(m -> m.name().equals(name));
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
    health = new HealthChecker(config, uris, registry);
    started.push(health);
    health.start();
    balancer = Balancer.start(config, health, memberAddresses, registry);
    started.push(balancer);
    return balancer;
  }

  /** Starts the admin listener (metrics, readiness, refresh, signer assignment) at {@code listen}. */
  public AdminServer startAdmin(InetSocketAddress listen) {
    Map<String, AdminServer.Route> routes = new LinkedHashMap<>();
    routes.put("/metrics", (method, path, query, body) -> "GET".equals(method)
        ? new AdminServer.Reply(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape())
        : AdminServer.Reply.text(405, "use GET\n"));
    routes.put("/ready", (method, path, query, body) -> {
      String notReady = notReadyReason();
      return notReady == null ? AdminServer.Reply.text(200, "ready\n")
          : AdminServer.Reply.text(503, "not ready: " + notReady + "\n");
    });
    routes.put("/refresh", (method, path, query, body) -> "POST".equals(method) ? refreshAll()
        : AdminServer.Reply.text(405, "use POST: Refresh Revocation Data on every member of this process\n"));
    routes.put("/signer", (method, path, query, body) -> "POST".equals(method) ? assignSigner(query)
        : AdminServer.Reply.text(405, "use POST with ?configuration=NAME[&certificate=FILE&key=FILE|&keystore=FILE]\n"));
    routes.put("/query", (method, path, query, body) -> balancer == null
        ? AdminServer.Reply.text(409, "this process runs no balancer\n")
        : AdminServer.Reply.json(200, JSON.writeValueAsString(balancer.query()) + "\n"));
    routes.put("/members/", (method, path, query, body) -> control(method, path, "/members/"));
    routes.put("/rules/", (method, path, query, body) -> control(method, path, "/rules/"));
    admin = AdminServer.start(listen, routes);
    started.push(admin);
    return admin;
  }

  /** POST /members/NAME/VERB and /rules/NAME/VERB: the nlb.exe verbs. */
  private AdminServer.Reply control(String method, String path, String prefix) {
    if (!"POST".equals(method)) {
      return AdminServer.Reply.text(405, "use POST " + prefix + "NAME/VERB\n");
    }
    if (balancer == null) {
      return AdminServer.Reply.text(409, "this process runs no balancer; host control lives on the balancer\n");
    }
    String[] parts = path.substring(prefix.length()).split("/");
    if (parts.length != 2) {
      return AdminServer.Reply.text(404, "expected " + prefix + "NAME/VERB\n");
    }
    var control = balancer.control();
    try {
      String said = switch (prefix + parts[1]) {
        case "/members/start" -> control.start(parts[0]);
        case "/members/stop" -> control.stop(parts[0]);
        case "/members/drainstop" -> control.drainstop(parts[0]);
        case "/members/suspend" -> control.suspend(parts[0]);
        case "/members/resume" -> control.resume(parts[0]);
        case "/rules/enable" -> control.enable(parts[0]);
        case "/rules/disable" -> control.disable(parts[0]);
        case "/rules/drain" -> control.drain(parts[0]);
        default -> null;
      };
      if (said == null) {
        return AdminServer.Reply.text(404, "unknown verb '" + parts[1] + "'; members: start, stop, drainstop, suspend, "
            + "resume; rules: enable, disable, drain\n");
      }
      String state = prefix.equals("/members/") ? control.state(parts[0]).toString()
          : control.ruleState(parts[0]).toString();
      return AdminServer.Reply.json(200, JSON.writeValueAsString(Map.of("name", parts[0], "state", state,
          "message", said)) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return AdminServer.Reply.text(500, e.getMessage() + "\n");
    } catch (IllegalArgumentException e) {
      return AdminServer.Reply.text(404, e.getMessage() + "\n");
    } catch (IllegalStateException e) {
      return AdminServer.Reply.text(409, e.getMessage() + "\n");
    }
  }

  public Balancer balancer() {
    return balancer;
  }

  private AdminServer.Reply refreshAll() throws Exception {
    if (members.isEmpty()) {
      return AdminServer.Reply.text(409, "this process runs no responder member; ask the members' admin listeners\n");
    }
    Map<String, Map<String, String>> results = new LinkedHashMap<>();
    boolean refused = false;
    for (ResponderMember m : members) {
      Map<String, String> r = m.refreshNow();
      refused |= r.containsValue("refused");
      results.put(m.name(), r);
    }
    return AdminServer.Reply.json(refused ? 422 : 200, JSON.writeValueAsString(results) + "\n");
  }

  private AdminServer.Reply assignSigner(Map<String, List<String>> query) throws Exception {
    String configuration = first(query, "configuration");
    if (configuration == null) {
      return AdminServer.Reply.text(400, "name the configuration: ?configuration=NAME\n");
    }
    RevocationConfiguration rc = config.revocationConfigurations().stream()
        .filter(c -> c.name().equals(configuration)).findFirst().orElse(null);
    if (rc == null) {
      return AdminServer.Reply.text(404, "no revocation configuration \"" + configuration + "\"\n");
    }
    String certificate = first(query, "certificate");
    String key = first(query, "key");
    String keystore = first(query, "keystore");
    if (certificate != null || key != null || keystore != null) {
      rc = new RevocationConfiguration(rc.name(), rc.caCertificate(),
          certificate == null ? null : Path.of(certificate), key == null ? null : Path.of(key),
          keystore == null ? null : Path.of(keystore),
          first(query, "passwordFile") == null ? null : Path.of(first(query, "passwordFile")),
          rc.responderId(), rc.crl(), rc.deltaCrl(), rc.opensslIndex(), rc.extendedRevoke(), rc.refreshInterval(),
          rc.responseValidity(), rc.probe());
    }
    Map<String, String> results = new LinkedHashMap<>();
    for (ResponderMember m : members) {
      try {
        results.put(m.name(), m.assignSigner(rc));
      } catch (ResponderException e) {
        return AdminServer.Reply.text(422, e.getMessage() + "\n");
      }
    }
    return AdminServer.Reply.json(200, JSON.writeValueAsString(results) + "\n");
  }

  private static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
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
