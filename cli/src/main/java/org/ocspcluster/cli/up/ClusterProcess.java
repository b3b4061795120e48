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
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.store.ConfigStore;
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

  private volatile ClusterConfig config;
  private volatile ConfigStore store;
  private volatile int revision;
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
    io.micrometer.core.instrument.Gauge.builder("ocsp.config.revision", this, p -> p.revision)
        .description("The configuration revision the member runs")
        .tag("member", name)
        .register(registry);
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

  private boolean runsAllMembers;

  public void startAllMembers() throws ResponderException {
    runsAllMembers = true;
    for (Member m : config.members()) {
      startMember(m.name(), null);
    }
  }

  /** Starts the health probes and the balancer, reaching members where this process started them. */
  public Balancer startBalancer() throws BalancerException, IOException {
    Map<String, URI> uris = new LinkedHashMap<>();
    memberAddresses.forEach((name, a) -> uris.put(name, URI.create(config.responder().scheme() + "://" + a.getHostString() + ":" + a.getPort() + "/")));
    health = new HealthChecker(config, uris, registry);
    started.push(health);
    health.start();
    balancer = Balancer.start(config, health, memberAddresses, registry);
    started.push(balancer);
    return balancer;
  }

  /**
   * The bearer token from the configuration in force (its admin.tokenFile, validated when loaded),
   * or null for none. A token file that cannot be read now gives a token no one holds: changes are
   * refused rather than let through.
   */
  private String adminToken() {
    ClusterConfig current = config;
    java.nio.file.Path file = current == null ? null : current.admin().tokenFile();
    if (file == null) {
      return null;
    }
    try {
      return java.nio.file.Files.readString(file).strip();
    } catch (java.io.IOException e) {
      LOG.warn("admin.tokenFile {} cannot be read ({}); refusing changes until it can", file, e.getMessage());
      return java.util.UUID.randomUUID() + "-" + java.util.UUID.randomUUID();
    }
  }

  /** Starts the admin listener (metrics, readiness, refresh, signer assignment) at {@code listen}. */
  public AdminServer startAdmin(InetSocketAddress listen) {
    Map<String, AdminServer.Route> routes = new LinkedHashMap<>();
    routes.put("/", (method, path, query, body) -> {
      try (var in = ClusterProcess.class.getResourceAsStream("/status/index.html")) {
        return new AdminServer.Reply(200, "text/html; charset=utf-8",
            new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      }
    });
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
    routes.put("/array/status", (method, path, query, body) -> {
      if (array != null && controllerOnly()) {
        List<Map<String, Object>> registered = new java.util.ArrayList<>(array.members().values());
        return AdminServer.Reply.json(200, JSON.writeValueAsString(registered) + "\n");
      }
      List<Map<String, Object>> rows = new java.util.ArrayList<>();
      for (ResponderMember m : members) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("member", m.name());
        row.put("revision", revision);
        row.put("configurations", m.status());
        row.put("details", m.details());
        rows.add(row);
      }
      return AdminServer.Reply.json(200, JSON.writeValueAsString(rows) + "\n");
    });
    routes.put("/array/add-member", (method, path, query, body) -> editMembers(method, query, true));
    routes.put("/array/remove-member", (method, path, query, body) -> editMembers(method, query, false));
    routes.put("/config", this::configRoute);
    routes.put("/config/", this::configRoute);
    routes.put("/rules/", (method, path, query, body) -> control(method, path, "/rules/"));
    io.netty.handler.ssl.SslContext tls;
    try {
      tls = config == null ? null : org.ocspcluster.responder.ResponderMember.serverTls(config.admin().tls());
    } catch (org.ocspcluster.responder.ResponderException e) {
      throw new IllegalStateException("admin.tls: " + e.getMessage(), e);
    }
    admin = AdminServer.start(listen, routes, this::adminToken, tls);
    started.push(admin);
    return admin;
  }

  /**
   * Keeps the configuration as revisions in {@code store}: the one running now becomes the first
   * revision when the store is empty, or a new one when it differs from the store's current.
   */
  public void useStore(ConfigStore store, String yaml, Path baseDir, String source) throws IOException {
    this.store = store;
    var current = store.current();
    if (current.isPresent() && current.get().yaml().equals(yaml)
        && current.get().baseDir().equals(baseDir.toAbsolutePath().normalize())) {
      revision = current.get().number();
    } else {
      revision = store.append(yaml, baseDir, source).number();
    }
    LOG.info("config revision {} in force ({})", revision, source);
  }

  /**
   * Validates {@code yaml} and applies it to every part this process runs, without a restart: the
   * members load everything the new revision needs beside the running one (any failure refuses the
   * whole revision and the running one stays), then all switch at once. What a running process
   * cannot change (listening addresses, cluster IPs, rule ports and protocols, members) is refused
   * with the fields that differ.
   */
  public synchronized AdminServer.Reply apply(String yaml, Path baseDir, String source) throws IOException {
    if (store == null) {
      return AdminServer.Reply.text(409, "this process keeps no configuration revisions\n");
    }
    ClusterConfig next;
    try {
      next = ConfigLoader.parse(baseDir.resolve("cluster.yaml"), yaml);
    } catch (ConfigException e) {
      StringBuilder why = new StringBuilder("configuration refused; revision " + revision + " stays in force:\n");
      e.problems().forEach(p -> why.append("  ").append(source).append(": ").append(p).append('\n'));
      return AdminServer.Reply.text(422, why.toString());
    }
    if (controllerOnly()) {
      // Array controller: it runs no part itself; members apply the revision when they see it.
      if (latch != null && !latch.hasLeadership()) {
        return AdminServer.Reply.text(409, "this controller is not the leader; apply on the leader, "
            + leaderId() + "\n");
      }
      int number = store.append(yaml, baseDir, source).number();
      config = next;
      revision = number;
      LOG.info("config revision {} stored for the array ({})", number, source);
      return AdminServer.Reply.json(200, JSON.writeValueAsString(Map.of("revision", number, "source", source)) + "\n");
    }
    List<String> fixed = LiveChanges.needingRestart(config, next, runningNames(), balancer != null, runsAllMembers);
    if (!fixed.isEmpty()) {
      return AdminServer.Reply.text(409, "refused; revision " + revision + " stays in force: a running cluster cannot "
          + "change " + String.join(", ", fixed) + " (restart with the new file: up --config FILE)\n");
    }
    Map<ResponderMember, ResponderMember.Serving> prepared = new LinkedHashMap<>();
    for (ResponderMember m : members) {
      if (next.member(m.name()).isEmpty()) {
        continue;
      }
      try {
        prepared.put(m, m.prepare(next));
      } catch (ResponderException e) {
        return AdminServer.Reply.text(422, "refused; revision " + revision + " stays in force: member " + m.name()
            + ": " + e.getMessage() + "\n");
      }
    }
    ClusterConfig running = config;
    config = next;
    List<String> joined = new java.util.ArrayList<>();
    if (runsAllMembers) {
      try {
        for (Member m : next.members()) {
          if (running.member(m.name()).isEmpty()) {
            startMember(m.name(), null);
            joined.add(m.name());
          }
        }
      } catch (ResponderException e) {
        joined.forEach(this::stopMember);
        config = running;
        return AdminServer.Reply.text(422, "refused; revision " + revision + " stays in force: " + e.getMessage() + "\n");
      }
    }
    if (health != null) {
      health.updateProbes(next);
    }
    int number = store.append(yaml, baseDir, source).number();
    prepared.forEach(ResponderMember::commit);
    followMembers(running, next);
    config = next;
    revision = number;
    LOG.info("config revision {} applied ({})", number, source);
    return AdminServer.Reply.json(200, JSON.writeValueAsString(Map.of("revision", number, "source", source)) + "\n");
  }

  public int revision() {
    return revision;
  }

  private java.util.Set<String> runningNames() {
    return members.stream().map(ResponderMember::name).collect(java.util.stream.Collectors.toSet());
  }

  /** After a revision is committed: the balancer and probes follow the member list; members that left stop. */
  private void followMembers(ClusterConfig running, ClusterConfig next) throws IOException {
    if (balancer != null) {
      balancer.updateMembers(next, memberAddresses);
      Map<String, URI> uris = new LinkedHashMap<>();
      memberAddresses.forEach((name, a) -> uris.put(name, URI.create(next.responder().scheme() + "://" + a.getHostString() + ":" + a.getPort() + "/")));
      health.updateMembers(next, uris);
    }
    for (Member m : running.members()) {
      if (next.member(m.name()).isEmpty() && runningNames().contains(m.name())) {
        stopMember(m.name());
      }
    }
  }

  private org.apache.curator.framework.recipes.leader.LeaderLatch latch;
  private org.ocspcluster.config.store.ZooKeeperConfigStore array;
  private String lastRefusal;

  private boolean controllerOnly() {
    return members.isEmpty() && balancer == null;
  }

  private String leaderId() {
    try {
      return "the leader is " + latch.getLeader().getId();
    } catch (Exception e) {
      return "no leader is known (" + e.getMessage() + ")";
    }
  }

  /** Makes this process an array controller on ZooKeeper: it stores revisions when it holds the latch. */
  public void controlArray(org.ocspcluster.config.store.ZooKeeperConfigStore zookeeper, String id) throws IOException {
    this.store = zookeeper;
    this.array = zookeeper;
    this.latch = zookeeper.controllerLatch(id);
    started.push(latch);
    this.revision = zookeeper.current().map(org.ocspcluster.config.store.Revision::number).orElse(0);
  }

  /**
   * Makes this process's members follow the array on ZooKeeper: each new revision is applied as
   * {@code config apply} would (all or nothing), kept in the local store so that a restart without
   * ZooKeeper serves it, and reported in the member's registration.
   */
  public void followArray(org.ocspcluster.config.store.ZooKeeperConfigStore zookeeper, ConfigStore local)
      throws IOException {
    this.array = zookeeper;
    this.store = local;
    List<org.ocspcluster.config.store.ZooKeeperConfigStore.Registration> registrations = new java.util.ArrayList<>();
    for (ResponderMember m : members) {
      registrations.add(zookeeper.register(m.name(), registration(m)));
    }
    Runnable report = () -> {
      for (int i = 0; i < members.size() && i < registrations.size(); i++) {
        try {
          registrations.get(i).update(registration(members.get(i)));
        } catch (IOException e) {
          LOG.debug("registration not updated: {}", e.getMessage());
        }
      }
    };
    zookeeper.watch(r -> {
      if (r.number() != revision) {
        follow(r);
      }
      report.run();
    });
    var heartbeat = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(t -> {
      Thread thread = new Thread(t, "array-heartbeat");
      thread.setDaemon(true);
      return thread;
    });
    heartbeat.scheduleWithFixedDelay(report, 5, 5, java.util.concurrent.TimeUnit.SECONDS);
    started.push(heartbeat::shutdownNow);
    started.push(zookeeper);
  }

  private Map<String, Object> registration(ResponderMember m) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("member", m.name());
    status.put("revision", revision);
    status.put("configurations", m.status());
    status.put("heartbeat", java.time.Instant.now().toString());
    if (admin != null) {
      InetSocketAddress a = admin.localAddress();
      status.put("admin", a.getHostString() + ":" + a.getPort());
    }
    if (lastRefusal != null) {
      status.put("refused", lastRefusal);
    }
    return status;
  }

  /** A member's side of the array: applies revision {@code r} it was told of. */
  synchronized void follow(org.ocspcluster.config.store.Revision r) {
    try {
      ClusterConfig next = ConfigLoader.parse(r.anchor(), r.yaml());
      List<String> fixed = LiveChanges.needingRestart(config, next, runningNames(), balancer != null, runsAllMembers);
      if (!fixed.isEmpty()) {
        lastRefusal = "revision " + r.number() + " needs a restart of this member (it changes " + String.join(", ", fixed)
            + ")";
        LOG.error("{}; revision {} stays in force", lastRefusal, revision);
        return;
      }
      Map<ResponderMember, ResponderMember.Serving> prepared = new LinkedHashMap<>();
      for (ResponderMember m : members) {
        prepared.put(m, m.prepare(next));
      }
      if (health != null) {
        health.updateProbes(next);
      }
      store.append(r.yaml(), r.baseDir(), "revision " + r.number() + " from the array");
      prepared.forEach(ResponderMember::commit);
      followMembers(config, next);
      config = next;
      revision = r.number();
      lastRefusal = null;
      LOG.info("config revision {} applied (from the array: {})", r.number(), r.source());
    } catch (ConfigException | ResponderException | IOException e) {
      lastRefusal = "revision " + r.number() + " refused: " + e.getMessage().replace('\n', ' ');
      LOG.error("{}; revision {} stays in force", lastRefusal, revision);
    }
  }

  /** Starts with {@code revision} as the one in force (a member that read it from the array or disk). */
  public void startAt(int revision) {
    this.revision = revision;
  }

  private AdminServer.Reply configRoute(String method, String path, Map<String, List<String>> query, String body)
      throws IOException {
    if (store == null) {
      return AdminServer.Reply.text(409, "this process keeps no configuration revisions\n");
    }
    switch (path) {
      case "/config" -> {
        if ("POST".equals(method)) {
          String base = first(query, "baseDir");
          if (base == null) {
            return AdminServer.Reply.text(400, "name the folder relative paths are read from: ?baseDir=DIR\n");
          }
          String source = first(query, "source");
          return apply(body, Path.of(base), source == null ? "admin API" : source);
        }
        int wanted = first(query, "revision") == null ? revision : Integer.parseInt(first(query, "revision"));
        var r = store.get(wanted);
        if (r.isEmpty()) {
          return AdminServer.Reply.text(404, "no revision " + wanted + "\n");
        }
        return AdminServer.Reply.json(200, JSON.writeValueAsString(describe(r.get(), true)) + "\n");
      }
      case "/config/history" -> {
        List<Map<String, Object>> all = new java.util.ArrayList<>();
        for (var r : store.history()) {
          all.add(describe(r, false));
        }
        return AdminServer.Reply.json(200, JSON.writeValueAsString(all) + "\n");
      }
      case "/config/rollback" -> {
        if (!"POST".equals(method) || first(query, "revision") == null) {
          return AdminServer.Reply.text(400, "use POST /config/rollback?revision=N\n");
        }
        int to = Integer.parseInt(first(query, "revision"));
        var r = store.get(to);
        if (r.isEmpty()) {
          return AdminServer.Reply.text(404, "no revision " + to + "\n");
        }
        return apply(r.get().yaml(), r.get().baseDir(), "rollback to revision " + to);
      }
      default -> {
        return AdminServer.Reply.text(404, "routes: /config, /config/history, /config/rollback\n");
      }
    }
  }

  /** "Add Array Member" / "Remove Array Member": the revision in force, edited, applied as a new one. */
  private AdminServer.Reply editMembers(String method, Map<String, List<String>> query, boolean add) throws IOException {
    if (!"POST".equals(method) || first(query, "name") == null || (add && first(query, "address") == null)) {
      return AdminServer.Reply.text(400, add ? "use POST /array/add-member?name=NAME&address=HOST:PORT[&priority=N]\n"
          : "use POST /array/remove-member?name=NAME\n");
    }
    if (store == null || store.current().isEmpty()) {
      return AdminServer.Reply.text(409, "no revision in force to add to; config apply one first\n");
    }
    var current = store.current().get();
    String edited;
    try {
      edited = add
          ? org.ocspcluster.config.store.ConfigEdits.addMember(current.yaml(), first(query, "name"),
              first(query, "address"), first(query, "priority") == null ? null : Integer.valueOf(first(query, "priority")))
          : org.ocspcluster.config.store.ConfigEdits.removeMember(current.yaml(), first(query, "name"));
    } catch (IllegalArgumentException e) {
      return AdminServer.Reply.text(409, e.getMessage() + "\n");
    }
    return apply(edited, current.baseDir(), (add ? "array add-member " : "array remove-member ") + first(query, "name"));
  }

  private Map<String, Object> describe(org.ocspcluster.config.store.Revision r, boolean withText) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("revision", r.number());
    d.put("current", r.number() == revision);
    d.put("appliedAt", r.appliedAt().toString());
    d.put("source", r.source());
    d.put("baseDir", r.baseDir().toString());
    if (withText) {
      d.put("yaml", r.yaml());
    }
    return d;
  }

  /** Refresh Revocation Data on every registered member of the array, through each member's admin listener. */
  private AdminServer.Reply refreshArray() throws Exception {
    Map<String, Object> results = new LinkedHashMap<>();
    boolean failed = false;
    var http = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
    for (var entry : array.members().entrySet()) {
      Object address = entry.getValue().get("admin");
      if (address == null) {
        results.put(entry.getKey(), "no admin listener: start the member with --admin HOST:PORT");
        failed = true;
        continue;
      }
      try {
        var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + address + "/refresh"))
            .timeout(java.time.Duration.ofSeconds(90)).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        results.put(entry.getKey(), JSON.readTree(response.body()).get(entry.getKey()));
        failed |= response.statusCode() != 200;
      } catch (Exception e) {
        results.put(entry.getKey(), "unreachable at " + address + ": " + e.getMessage());
        failed = true;
      }
    }
    return AdminServer.Reply.json(failed ? 422 : 200, JSON.writeValueAsString(results) + "\n");
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
    if (array != null && controllerOnly()) {
      return refreshArray();
    }
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
    boolean named = certificate != null || key != null || keystore != null;
    for (ResponderMember m : members) {
      // With no files named, each member re-reads its own credential (or the configuration's).
      RevocationConfiguration forMember = named ? rc : config.revocationConfigurationsFor(m.name()).stream()
          .filter(c -> c.name().equals(configuration)).findFirst().orElse(rc);
      try {
        results.put(m.name(), m.assignSigner(forMember));
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
    if (latch != null) {
      return latch.hasLeadership() ? null : "this controller is standing by; " + leaderId();
    }
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
