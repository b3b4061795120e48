package org.ocspcluster.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.ocspcluster.balancer.Balancer;
import org.ocspcluster.balancer.BalancerException;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.config.FileChecks;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.RevocationConfiguration;
import org.ocspcluster.config.SignerFiles;
import org.ocspcluster.coordination.ConfigEdits;
import org.ocspcluster.coordination.ConfigStore;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.failover.FrontEndFailover;
import org.ocspcluster.health.HealthChecker;
import org.ocspcluster.health.probe.OcspProbe;
import org.ocspcluster.node.admin.AdminRoutes;
import org.ocspcluster.node.admin.AdminServer;
import org.ocspcluster.node.array.ArrayController;
import org.ocspcluster.node.array.ArrayFollower;
import org.ocspcluster.node.array.ArrayHostControl;
import org.ocspcluster.node.audit.AuditTrail;
import org.ocspcluster.node.peers.FrontEndPeers;
import org.ocspcluster.node.revision.LiveChanges;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.node.revision.Part;
import org.ocspcluster.node.revision.RevisionPath;
import org.ocspcluster.node.revision.RevisionRefused;
import org.ocspcluster.responder.ResponderException;
import org.ocspcluster.responder.ResponderMember;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts one process runs (some members, the balancer with its probes, the admin listener, an
 * array role), started in order and closed in reverse, and changed at run time only through the
 * process's {@link RevisionPath}. {@code up} runs them all; {@code responder}, {@code balancer},
 * {@code member} and {@code controller} run some.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Map<String, InetSocketAddress> memberAddresses =
      java.util.Collections.synchronizedMap(new LinkedHashMap<>());
  private final List<ResponderMember> members = new CopyOnWriteArrayList<>();
  private final Map<String, Meter> revisionGauges = new ConcurrentHashMap<>();
  private final RevisionPath revisions;
  private volatile AuditTrail audit = new AuditTrail(null);
  private volatile ConfigStore store;
  private volatile boolean runsAllMembers;
  private HealthChecker health;
  private Balancer balancer;
  private AdminServer admin;
  private ArrayController controller;
  private ArrayFollower follower;
  private FrontEndFailover failover;
  private FrontEndPeers peers;

  public Node(ClusterConfig config) {
    this.revisions = new RevisionPath(config, this::parts);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    started.push(gc);
  }

  // ---------------------------------------------------------------- starting parts

  /**
   * Starts member {@code name} of the configuration in force; on {@code listen} when given, else at
   * its address.
   */
  public ResponderMember startMember(String name, InetSocketAddress listen)
      throws ResponderException {
    return add(launch(config(), name, listen));
  }

  private ResponderMember launch(ClusterConfig config, String name, InetSocketAddress listen)
      throws ResponderException {
    return listen == null
        ? ResponderMember.start(config, name, registry)
        : ResponderMember.start(config, name, listen, registry);
  }

  private ResponderMember add(ResponderMember member) {
    started.push(member);
    members.add(member);
    memberAddresses.put(member.name(), member.localAddress());
    revisionGauges.computeIfAbsent(
        member.name(),
        n ->
            Gauge.builder("ocsp.config.revision", revisions, RevisionPath::revision)
                .description("The configuration revision the member runs")
                .tag("member", n)
                .strongReference(true)
                .register(registry));
    return member;
  }

  /** Stops a member this process runs (as if its process died); the balancer notices by probing. */
  public void stopMember(String name) {
    members.removeIf(m -> m.name().equals(name));
    Meter gauge = revisionGauges.remove(name);
    if (gauge != null) {
      registry.remove(gauge);
    }
    started.removeIf(
        part -> {
          if (part instanceof ResponderMember m && m.name().equals(name)) {
            m.close();
            return true;
          }
          return false;
        });
  }

  /** Starts every member of the configuration; members added by later revisions start with them. */
  public void startAllMembers() throws ResponderException {
    runsAllMembers = true;
    for (Member m : config().members()) {
      startMember(m.name(), null);
    }
  }

  /**
   * Starts the health probes and the balancer, reaching members where this process started them.
   */
  public Balancer startBalancer() throws BalancerException, IOException {
    return startBalancer(null);
  }

  /**
   * Starts the health probes and the balancer as front end {@code frontEnd} of the configuration
   * (null: the only balancer).
   */
  public Balancer startBalancer(String frontEnd) throws BalancerException, IOException {
    ClusterConfig config = config();
    health = new HealthChecker(config, memberUris(config), registry);
    started.push(health);
    health.start();
    balancer = Balancer.start(config, health, health, memberAddresses, registry, frontEnd);
    started.push(balancer);
    return balancer;
  }

  /** Starts the admin listener (metrics, readiness, status page, verbs) at {@code listen}. */
  public AdminServer startAdmin(InetSocketAddress listen) {
    admin = AdminRoutes.start(this, listen);
    started.push(admin);
    return admin;
  }

  /**
   * Moves the cluster IP to and from this front end (keepalived or bird, see {@link
   * FrontEndFailover}), told by a watch outside the JVM whether the admin listener's {@code /ready}
   * answers. Started after the balancer and the admin listener, so it is closed first: the IP is
   * handed over before the listeners close.
   */
  public FrontEndFailover startFailover(String frontEnd, Path work) throws IOException {
    if (admin == null) {
      throw new IllegalStateException("start the admin listener first: the watch asks its /ready");
    }
    InetSocketAddress at = admin.localAddress();
    String host =
        at.getAddress().isAnyLocalAddress() ? "127.0.0.1" : at.getAddress().getHostAddress();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    String url =
        (config().admin().tls() == null ? "http" : "https")
            + "://"
            + host
            + ":"
            + at.getPort()
            + "/ready";
    peers = FrontEndPeers.of(config(), frontEnd);
    if (follower == null && balancer != null) {
      // With the array, the recorded verbs are applied again at start instead.
      peers.adopt(balancer.control());
      peers.keepReconciling(balancer.control());
    }
    started.push(peers);
    failover = FrontEndFailover.start(config(), frontEnd, revision(), work, url);
    started.push(failover);
    FrontEndFailover f = failover;
    Gauge.builder("nlb.front.end.active", f, x -> x.role().role().active() ? 1 : 0)
        .description(
            "1 while this front end takes the cluster IP's traffic (holds it, or announces it), else 0")
        .tag("front_end", frontEnd)
        .strongReference(true)
        .register(registry);
    return failover;
  }

  /**
   * Makes a host or rule verb taken here hold on the other front ends: recorded in the array when
   * this balancer follows one, else passed to each peer's admin listener. Says per front end (or
   * for the array) what became of it; empty when this process is not one of several front ends.
   */
  public Map<String, String> passToOtherFrontEnds(
      String kind, String name, String verb, String caller, long takenAt) {
    if (failover == null) {
      return Map.of();
    }
    if (follower != null) {
      try {
        follower.recordControl(kind.equals("members") ? "hosts" : kind, name, verb, caller);
        return Map.of("array", "recorded: every balancer of the array applies it");
      } catch (IOException e) {
        return Map.of(
            "array", "not recorded (" + e.getMessage() + "): the other front ends do not have it");
      }
    }
    return peers == null ? Map.of() : peers.pass(kind, name, verb, takenAt);
  }

  /**
   * Every front end's role, this one first (as it sees itself), then each other as it says of
   * itself; empty when this process is not a front end.
   */
  public List<Map<String, Object>> frontEndRoles() {
    if (failover == null) {
      return List.of();
    }
    List<Map<String, Object>> rows = new java.util.ArrayList<>();
    rows.add(ownFrontEndRole());
    if (peers != null) {
      rows.addAll(peers.roles());
    }
    return rows;
  }

  /** This front end's role, for its admin listener's {@code /front-end}. */
  public Map<String, Object> ownFrontEndRole() {
    var role = failover.role();
    Map<String, Object> row = new java.util.LinkedHashMap<>();
    row.put("name", role.frontEnd());
    row.put(
        "failover",
        config().frontEnd(role.frontEnd()).map(f -> f.failover().toString()).orElse(""));
    row.put("role", role.role().toString());
    row.put("active", role.role().active());
    row.put("reason", role.reason());
    row.put("since", role.since().toString());
    return row;
  }

  /** This front end's failover, or null when the process is not a front end. */
  public FrontEndFailover failover() {
    return failover;
  }

  /**
   * Keeps the configuration as revisions in {@code store}: the one running now becomes the first
   * revision when the store is empty, or a new one when it differs from the store's current.
   */
  public void useStore(ConfigStore store, String yaml, Path baseDir, String source)
      throws IOException {
    this.store = store;
    var current = store.current();
    int number;
    if (current.isPresent()
        && current.get().yaml().equals(yaml)
        && current.get().baseDir().equals(baseDir.toAbsolutePath().normalize())) {
      number = current.get().number();
    } else {
      number = store.append(yaml, baseDir, source).number();
    }
    revisions.startAt(number);
    LOG.info("config revision {} in force ({})", number, source);
  }

  private static String leaderOf(ArrayController c) {
    return c == null ? "the leader is not known yet" : c.leaderId();
  }

  /** Keeps this process's audit trail in {@code file} (one JSON object a line). */
  public void auditTo(Path file) {
    audit = new AuditTrail(file);
  }

  /** Who changed what through this process (and, on the array, through every process). */
  public AuditTrail audit() {
    return audit;
  }

  /**
   * Makes this process an array controller on ZooKeeper: while it leads, it proposes revisions to
   * the array's participants and commits those all of them prepared.
   */
  public void controlArray(ZooKeeperConfigStore array, String id) throws IOException {
    audit.alsoTo(array);
    ArrayController role =
        new ArrayController(
            array,
            id,
            leads ->
                audit.record(
                    "controller " + id,
                    leads ? "controller takes the lead" : "controller stands by",
                    revisions.revision(),
                    revisions.revision(),
                    leads ? "leads the array" : "stands by; " + leaderOf(controller)));
    controller = role;
    role.bindTo(registry);
    started.push(controller);
    store = array;
    revisions.startAt(controller.currentRevision());
    // A standby (and a leader, for revisions another controller committed) keeps up with the
    // array's revision: its number, its configuration (and so its admin token) are the array's.
    array.watch(
        r -> {
          try {
            revisions.keepUpWith(ConfigLoader.parse(r.anchor(), r.yaml()), r.number());
          } catch (ConfigException e) {
            LOG.warn(
                "revision {} of the array does not parse here: {}", r.number(), e.getMessage());
          }
        });
  }

  /**
   * Makes this process follow the array on ZooKeeper: each new revision goes through the revision
   * path, is kept in {@code local}, and is reported in each member's registration.
   */
  public void followArray(ZooKeeperConfigStore array, FolderConfigStore local, String balancerName)
      throws IOException {
    store = local;
    audit.alsoTo(array);
    List<ArrayFollower.Participant> participants = new ArrayList<>();
    for (ResponderMember m : members) {
      participants.add(new ArrayFollower.Participant("members", m.name()));
    }
    if (balancer != null) {
      participants.add(new ArrayFollower.Participant("balancers", balancerName));
    }
    follower = new ArrayFollower(array, local, revisions, participants, this::registration);
    started.push(follower);
    if (balancer != null) {
      started.push(new ArrayHostControl(array, balancer.control()));
    }
  }

  /**
   * Starts with {@code revision} as the one in force (a member that read it from the array or
   * disk).
   */
  public void startAt(int revision) {
    revisions.startAt(revision);
  }

  private Map<String, Object> registration(ArrayFollower.Participant p) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put(p.kind().equals("members") ? "member" : "balancer", p.name());
    status.put("revision", revisions.revision());
    members.stream()
        .filter(m -> p.kind().equals("members") && m.name().equals(p.name()))
        .findFirst()
        .ifPresent(m -> status.put("configurations", m.status()));
    status.put("heartbeat", Instant.now().toString());
    if (admin != null) {
      InetSocketAddress a = admin.localAddress();
      status.put("admin", a.getHostString() + ":" + a.getPort());
    }
    return status;
  }

  // ---------------------------------------------------------------- revisions

  /**
   * Validates {@code yaml} and puts it in force on every part this process runs, without a restart,
   * as a new revision: all or nothing (see {@link RevisionPath}).
   */
  public Outcome apply(String yaml, Path baseDir, String source) {
    ConfigStore target = store;
    if (target == null) {
      return refused(
          Outcome.Refusal.NOT_HERE, "this process keeps no configuration revisions", source);
    }
    if (follower != null) {
      return refused(
          Outcome.Refusal.NOT_HERE,
          "this process follows the array: apply on the array controller (config apply FILE --admin"
              + " CONTROLLER)",
          source);
    }
    ClusterConfig next;
    try {
      next = ConfigLoader.parse(baseDir.resolve("cluster.yaml"), yaml);
    } catch (ConfigException e) {
      return Outcome.refused(
          Outcome.Refusal.INVALID,
          "the configuration does not validate",
          e.problems().stream().map(p -> source + ": " + p).toList(),
          revisions.revision(),
          source);
    }
    ArrayController leading = controller;
    return revisions.apply(
        next,
        leading != null
            ? () -> leading.propose(yaml, baseDir, source)
            : () -> target.append(yaml, baseDir, source).number(),
        source);
  }

  private Outcome refused(Outcome.Refusal kind, String reason, String source) {
    return Outcome.refused(kind, reason, null, revisions.revision(), source);
  }

  /**
   * {@code config apply}: {@code yaml} as the next revision, keeping the signers assigned to
   * members (assign-signer) that the file does not mention (see {@link
   * ConfigEdits#keepAssignedSigners}).
   */
  public Outcome applyFile(String yaml, Path baseDir, String source) throws IOException {
    ConfigStore target = store;
    java.util.Optional<Revision> current =
        target == null || follower != null ? java.util.Optional.empty() : target.current();
    if (current.isEmpty()) {
      return apply(yaml, baseDir, source);
    }
    ConfigEdits.Kept kept;
    try {
      kept = ConfigEdits.keepAssignedSigners(current.get().yaml(), yaml);
    } catch (IOException notYaml) {
      return apply(yaml, baseDir, source); // refused there, with the parser's words
    }
    return apply(
        kept.yaml(),
        baseDir,
        kept.signers().isEmpty()
            ? source
            : source + " (kept the signers assigned to " + String.join(", ", kept.signers()) + ")");
  }

  /**
   * "Assign Signing Certificate" as a revision: {@code files} become the signer of {@code
   * configuration} for {@code member} (every member when null), kept by later applies of files that
   * do not mention that member's signers.
   */
  public Outcome assignSignerRevision(String configuration, String member, SignerFiles files)
      throws IOException {
    Revision current =
        revisionStore()
            .current()
            .orElseThrow(
                () -> new IllegalStateException("no revision in force; config apply one first"));
    String edited =
        ConfigEdits.assignSigner(
            current.yaml(),
            configuration,
            member,
            text(files.certificate()),
            text(files.key()),
            text(files.keystore()),
            text(files.passwordFile()),
            tokenFields(files.token()));
    return apply(
        edited,
        current.baseDir(),
        "assign-signer "
            + configuration
            + (member == null ? " (every member)" : " --member " + member));
  }

  /** A token's fields as cluster.yaml names them, or null. */
  private static Map<String, Object> tokenFields(org.ocspcluster.config.SigningToken token) {
    if (token == null) {
      return null;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("library", text(token.library()));
    if (token.slot() != null) {
      fields.put("slot", token.slot());
    }
    if (token.slotListIndex() != null) {
      fields.put("slotListIndex", token.slotListIndex());
    }
    fields.put("keyLabel", token.keyLabel());
    fields.put("pinFile", text(token.pinFile()));
    if (token.sessions() != null) {
      fields.put("sessions", token.sessions());
    }
    return fields;
  }

  private static String text(Path path) {
    return path == null ? null : path.toString();
  }

  /**
   * Renews the signers of configurations with a {@code renewal} policy (see {@link
   * org.ocspcluster.node.renewal.SignerRenewal}): a signer every member shares, when this process
   * keeps the revisions (one new revision per renewal); the signers of their own of the members
   * this process runs, on each member alone.
   */
  public org.ocspcluster.node.renewal.SignerRenewal startSignerRenewal() {
    var renewal =
        new org.ocspcluster.node.renewal.SignerRenewal(
                this::config,
                () -> controller == null || controller.leads(),
                keepsRevisions()
                    ? (configuration, files) -> assignSignerRevision(configuration, null, files)
                    : null,
                () -> members.stream().map(ResponderMember::name).toList(),
                (member, rc, ready) -> {
                  ResponderMember m =
                      members.stream()
                          .filter(x -> x.name().equals(member))
                          .findFirst()
                          .orElseThrow(
                              () -> new IllegalStateException("member " + member + " stopped"));
                  if (ready == null) {
                    m.assignSigner(rc);
                  } else {
                    m.assignSigner(rc.name(), ready);
                  }
                },
                registry,
                java.time.Clock.systemUTC())
            .start();
    started.push(renewal);
    return renewal;
  }

  /** Whether this process keeps revisions (so that a change can be one). */
  public boolean keepsRevisions() {
    return store != null;
  }

  /** Applies an earlier revision's text as a new revision. */
  public Outcome rollback(int to) throws IOException {
    Revision r =
        revisionStore()
            .get(to)
            .orElseThrow(() -> new IllegalArgumentException("no revision " + to));
    return apply(r.yaml(), r.baseDir(), "rollback to revision " + to);
  }

  /**
   * "Add Array Member" / "Remove Array Member": the revision in force, edited, applied as a new
   * one.
   */
  public Outcome editMembers(boolean add, String name, String address, Integer priority)
      throws IOException {
    Revision current =
        revisionStore()
            .current()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no revision in force to add to; config apply one first"));
    String edited =
        add
            ? ConfigEdits.addMember(current.yaml(), name, address, priority)
            : ConfigEdits.removeMember(current.yaml(), name);
    return apply(
        edited, current.baseDir(), (add ? "array add-member " : "array remove-member ") + name);
  }

  /** Where this process keeps its revisions; throws when it keeps none. */
  public ConfigStore revisionStore() {
    ConfigStore s = store;
    if (s == null) {
      throw new IllegalStateException("this process keeps no configuration revisions");
    }
    return s;
  }

  /** The parts a revision goes through, in commit order, for what this process runs now. */
  private List<Part> parts() {
    if (controller != null) {
      return List.of(controller.leadership());
    }
    List<Part> parts = new ArrayList<>();
    parts.add(this::checkFiles);
    parts.add(this::prepareMembers);
    if (balancer != null) {
      parts.add((running, next) -> () -> balancer.updateMembers(next, memberAddresses));
      parts.add(this::prepareProbes);
    }
    parts.add(this::prepareLeavers);
    return parts;
  }

  /**
   * The files the new revision names, checked here, where they are used: by each member this
   * process runs (or starts for it) and by its balancer.
   */
  private Part.Change checkFiles(ClusterConfig running, ClusterConfig next) throws RevisionRefused {
    Set<String> names = new java.util.LinkedHashSet<>(runningNames());
    if (runsAllMembers) {
      next.members().forEach(m -> names.add(m.name()));
    }
    Set<ConfigException.Problem> problems = new java.util.LinkedHashSet<>();
    for (String name : names) {
      if (next.member(name).isPresent()) {
        problems.addAll(FileChecks.forMember(next, name));
      }
    }
    if (balancer != null) {
      problems.addAll(FileChecks.forBalancer(next));
    }
    if (!problems.isEmpty()) {
      throw new RevisionRefused(
          Outcome.Refusal.INVALID,
          "files it names cannot be used here",
          problems.stream().map(ConfigException.Problem::toString).toList());
    }
    return Part.Change.NONE;
  }

  /**
   * Refuses what a running process cannot change; loads the revision beside the one in force on
   * each member; starts the members that join (listening, but given no traffic until commit).
   */
  private Part.Change prepareMembers(ClusterConfig running, ClusterConfig next)
      throws RevisionRefused {
    List<String> fixed =
        LiveChanges.needingRestart(running, next, runningNames(), balancer != null, runsAllMembers);
    if (!fixed.isEmpty()) {
      throw new RevisionRefused(
          Outcome.Refusal.NEEDS_RESTART,
          "a running cluster cannot change "
              + String.join(", ", fixed)
              + " (restart with the new file: up --config FILE)");
    }
    Map<ResponderMember, ResponderMember.Serving> prepared = new LinkedHashMap<>();
    for (ResponderMember m : members) {
      if (next.member(m.name()).isPresent()) {
        try {
          prepared.put(m, m.prepare(next));
        } catch (ResponderException e) {
          throw new RevisionRefused(
              Outcome.Refusal.INVALID, "member " + m.name() + ": " + e.getMessage());
        }
      }
    }
    List<ResponderMember> joining = new ArrayList<>();
    if (runsAllMembers) {
      for (Member m : next.members()) {
        if (running.member(m.name()).isEmpty() && !runningNames().contains(m.name())) {
          try {
            joining.add(launch(next, m.name(), null));
          } catch (ResponderException e) {
            joining.forEach(ResponderMember::close);
            throw new RevisionRefused(Outcome.Refusal.INVALID, e.getMessage());
          }
        }
      }
    }
    boolean frontEndsChanged = failover != null && LiveChanges.frontEndsChanged(running, next);
    return new Part.Change() {
      @Override
      public void commit() {
        prepared.forEach(ResponderMember::commit);
        joining.forEach(Node.this::add);
        if (frontEndsChanged) {
          LOG.warn(
              "front end {}: the new revision changes frontEnds or failover; the keepalived or bird"
                  + " configuration and the peers written at start stay in force until this front"
                  + " end restarts",
              failover.role().frontEnd());
        }
      }

      @Override
      public void abort() {
        joining.forEach(ResponderMember::close);
      }
    };
  }

  /** The probes of the new revision's configurations, read before anything switches. */
  private Part.Change prepareProbes(ClusterConfig running, ClusterConfig next)
      throws RevisionRefused {
    List<OcspProbe> probes;
    try {
      probes = health.probesFor(next);
    } catch (IOException e) {
      throw new RevisionRefused(Outcome.Refusal.INVALID, "health probes: " + e.getMessage());
    }
    return () -> {
      health.useProbes(probes);
      health.updateMembers(next, memberUris(next));
    };
  }

  /** Members that left the configuration stop, once the balancer no longer sends them traffic. */
  private Part.Change prepareLeavers(ClusterConfig running, ClusterConfig next) {
    return () -> {
      for (String name : runningNames()) {
        if (next.member(name).isEmpty()) {
          stopMember(name);
        }
      }
    };
  }

  private Set<String> runningNames() {
    return members.stream().map(ResponderMember::name).collect(Collectors.toSet());
  }

  private Map<String, URI> memberUris(ClusterConfig config) {
    Map<String, URI> uris = new LinkedHashMap<>();
    memberAddresses.forEach(
        (name, a) ->
            uris.put(
                name,
                URI.create(
                    config.responder().scheme()
                        + "://"
                        + a.getHostString()
                        + ":"
                        + a.getPort()
                        + "/")));
    return uris;
  }

  // ---------------------------------------------------------------- operations on the running
  // parts

  /**
   * "Refresh Revocation Data" on every member this process runs: per member, per configuration,
   * loaded, unchanged or refused.
   */
  public Map<String, Map<String, String>> refresh() {
    if (members.isEmpty()) {
      throw new IllegalStateException(
          "this process runs no responder member; ask the members' admin listeners");
    }
    Map<String, Map<String, String>> results = new LinkedHashMap<>();
    for (ResponderMember m : members) {
      results.put(m.name(), m.refreshNow());
    }
    if (balancer != null) {
      // New data on a member here: this balancer's edge caches need not wait for a probe to see it.
      results.values().stream()
          .flatMap(byConfiguration -> byConfiguration.entrySet().stream())
          .filter(e -> e.getValue().startsWith("loaded"))
          .map(Map.Entry::getKey)
          .distinct()
          .forEach(balancer::revocationDataRefreshed);
    }
    return results;
  }

  /**
   * "Assign Signing Certificate" on every member this process runs: the named files, or (naming
   * none) each member's configured credential read again. Per member, the new signer in words.
   */
  public Map<String, String> assignSigner(
      String configuration, Path certificate, Path key, Path keystore, Path passwordFile)
      throws ResponderException {
    ClusterConfig config = config();
    RevocationConfiguration rc =
        config.revocationConfigurations().stream()
            .filter(c -> c.name().equals(configuration))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "no revocation configuration \"" + configuration + "\""));
    boolean named = certificate != null || key != null || keystore != null;
    if (named) {
      rc = rc.withSigner(new SignerFiles(certificate, key, keystore, passwordFile));
    }
    Map<String, String> results = new LinkedHashMap<>();
    for (ResponderMember m : members) {
      RevocationConfiguration forMember =
          named
              ? rc
              : config.revocationConfigurationsFor(m.name()).stream()
                  .filter(c -> c.name().equals(configuration))
                  .findFirst()
                  .orElse(rc);
      results.put(m.name(), m.assignSigner(forMember));
    }
    return results;
  }

  /** Per member this process runs: the revision, each configuration's status and its details. */
  public List<Map<String, Object>> memberStatus() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (ResponderMember m : members) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("member", m.name());
      row.put("revision", revisions.revision());
      row.put("configurations", m.status());
      row.put("details", m.details());
      rows.add(row);
    }
    return rows;
  }

  /** Why this process cannot serve yet, or null when it can. */
  public String notReadyReason() {
    if (controller != null) {
      return controller.notReadyReason();
    }
    if (balancer != null) {
      if (!balancer.listening()) {
        return "the balancer is not listening";
      }
      if (!health.anyUp()) {
        String panic = health.panicReason();
        return panic == null ? "no member has answered a health probe yet" : "panic: " + panic;
      }
      return null;
    }
    // A responder-only process is ready once its members listen.
    return memberAddresses.isEmpty() ? "nothing is running" : null;
  }

  // ---------------------------------------------------------------- what it runs

  /** The array controller role, or null when this process is not one. */
  public ArrayController controller() {
    return controller;
  }

  public Balancer balancer() {
    return balancer;
  }

  public HealthChecker health() {
    return health;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public ClusterConfig config() {
    return revisions.config();
  }

  public int revision() {
    return revisions.revision();
  }

  public List<InetSocketAddress> memberAddresses() {
    return List.copyOf(memberAddresses.values());
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
