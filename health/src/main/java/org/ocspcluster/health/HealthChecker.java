package org.ocspcluster.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.RevocationConfiguration;
import org.ocspcluster.health.probe.OcspProbe;
import org.ocspcluster.health.probe.ProbeResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each member's health. Active: every member is probed with a real OCSP request per
 * revocation configuration, every {@code interval} plus jitter (every {@code fastInterval} while it
 * is between states, every {@code downInterval} while it is down); {@code fall} failed rounds in a
 * row take it down, {@code rise} passed rounds bring it back. Passive: the balancer reports refused
 * or timed-out connects, and {@code passiveFailures} in a row take the member down at once. Each
 * change of state is logged once, with the reason in words, and told to the listeners. Probes run
 * on the HTTP client's own threads and a scheduler, never on an event loop.
 */
public final class HealthChecker implements HealthView, PassiveHealth, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

  private final Map<String, URI> members = new ConcurrentHashMap<>();
  private volatile List<OcspProbe> probes = List.of();
  private final Map<String, MemberHealth> health = new ConcurrentHashMap<>();
  private final Map<String, RiseFall> streaks = new ConcurrentHashMap<>();
  private final Map<String, Integer> passive = new ConcurrentHashMap<>();
  private final List<BiConsumer<String, MemberHealth>> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler;
  private final HttpClient http;
  private final HealthSettings settings;
  private final Clock clock;
  private final MeterRegistry registry;
  private final Map<String, Timer> durations = new ConcurrentHashMap<>();
  private final Map<String, Instant> nextUpdates = new ConcurrentHashMap<>();

  public HealthChecker(ClusterConfig config, Map<String, URI> memberUris, MeterRegistry registry)
      throws IOException {
    this.settings = config.health();
    this.clock = Clock.systemUTC();
    this.registry = registry;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "health-probes");
              t.setDaemon(true);
              return t;
            });
    HttpClient.Builder client =
        HttpClient.newBuilder()
            .connectTimeout(settings.timeout())
            .version(HttpClient.Version.HTTP_1_1);
    var tls = config.responder().tls();
    if (tls != null && tls.trust() != null) {
      client.sslContext(trusting(tls.trust()));
    }
    this.http = client.build();
    this.scheme = config.responder().scheme();
    this.probes = probesFor(config);
    for (Member m : config.members()) {
      addMember(
          m, memberUris.getOrDefault(m.name(), URI.create(scheme + "://" + m.address() + "/")));
    }
    Gauge.builder("nlb.panic", this, c -> c.panic == null ? 0 : 1)
        .description(
            "1 while no member is healthy (the balancer then follows health.panic); the reason is in"
                + " the log, /ready and query")
        .register(registry);
  }

  /**
   * Starts watching a member (a new one, or at construction); its probes begin with {@link #start}.
   */
  private void addMember(Member m, URI uri) {
    members.put(m.name(), uri);
    health.putIfAbsent(
        m.name(), new MemberHealth(MemberHealth.State.UNKNOWN, "not probed yet", clock.instant()));
    streaks.putIfAbsent(m.name(), RiseFall.START);
    Gauge.builder(
            "nlb.member.healthy",
            health,
            h ->
                h.containsKey(m.name())
                        && h.get(m.name()).usable()
                        && h.get(m.name()).state() != MemberHealth.State.UNKNOWN
                    ? 1
                    : 0)
        .description("1 when the member passes its health probes")
        .tag("member", m.name())
        .register(registry);
    durations.computeIfAbsent(
        m.name(),
        name ->
            Timer.builder("ocsp.probe.duration")
                .description("Time for a round of OCSP probes of one member")
                .tag("member", name)
                .publishPercentileHistogram()
                .register(registry));
    for (OcspProbe p : this.probes) {
      String key = m.name() + '|' + p.configuration();
      Gauge.builder(
              "ocsp.probe.response.next.update",
              nextUpdates,
              n -> n.containsKey(key) ? n.get(key).getEpochSecond() : Double.NaN)
          .description("nextUpdate of the member's last probe answer (Unix time)")
          .baseUnit("seconds")
          .tag("member", m.name())
          .tag("configuration", p.configuration())
          .register(registry);
    }
  }

  /**
   * Follows a new member list: new members are probed from now on (starting UNKNOWN, so usable
   * until their first round), members that left are no longer probed.
   */
  public void updateMembers(ClusterConfig next, Map<String, URI> memberUris) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Member m : next.members()) {
      names.add(m.name());
      if (!members.containsKey(m.name())) {
        addMember(
            m, memberUris.getOrDefault(m.name(), URI.create(scheme + "://" + m.address() + "/")));
        if (started) {
          scheduler.schedule(() -> probeAndReschedule(m.name()), 0, TimeUnit.MILLISECONDS);
        }
      }
    }
    for (String name : List.copyOf(members.keySet())) {
      if (!names.contains(name)) {
        members.remove(name);
        health.put(
            name, new MemberHealth(MemberHealth.State.DOWN, "no longer a member", clock.instant()));
      }
    }
    synchronized (this) {
      assessPanic();
    }
  }

  private volatile boolean started;

  /**
   * The probes of {@code config}'s revocation configurations, read now (probe certificates
   * included).
   */
  public List<OcspProbe> probesFor(ClusterConfig config) throws IOException {
    List<OcspProbe> list = new ArrayList<>();
    for (RevocationConfiguration rc : config.revocationConfigurations()) {
      list.add(new OcspProbe(rc.name(), rc.caCertificate(), rc.probe(), http, settings, clock));
    }
    return List.copyOf(list);
  }

  /** Asks {@code probes} (from {@link #probesFor}) from the next round on. */
  public void useProbes(List<OcspProbe> probes) {
    this.probes = List.copyOf(probes);
  }

  /** Called with (member, new health) on every change of state. */
  @Override
  public void onChange(BiConsumer<String, MemberHealth> listener) {
    listeners.add(listener);
  }

  @Override
  public void onProbeAnswer(AnswerData.Listener listener) {
    answerListeners.add(listener);
  }

  private final List<AnswerData.Listener> answerListeners = new CopyOnWriteArrayList<>();

  public void start() {
    started = true;
    for (String member : members.keySet()) {
      long jitter =
          ThreadLocalRandom.current().nextLong(Math.max(1, settings.interval().toMillis() / 5));
      scheduler.schedule(() -> probeAndReschedule(member), jitter, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public MemberHealth health(String member) {
    return health.getOrDefault(
        member, new MemberHealth(MemberHealth.State.UNKNOWN, "not a member", clock.instant()));
  }

  public Map<String, MemberHealth> snapshot() {
    return Map.copyOf(health);
  }

  /**
   * Why no member is healthy, or null while one is (or one is not judged yet): every member down,
   * and when they all fail the same way, what that likely means.
   */
  @Override
  public String panicReason() {
    return panic;
  }

  private volatile String panic;

  /**
   * Pure: the panic reason for the current members' health, or null. Every member failing the same
   * probe with the same answer points at the probe (its certificate revoked, the wrong expectation)
   * or at what every member shares (the CRL), not at the members.
   */
  static String panicReason(Map<String, MemberHealth> current) {
    if (current.isEmpty()
        || current.values().stream().anyMatch(h -> h.state() != MemberHealth.State.DOWN)) {
      return null;
    }
    java.util.Set<String> reasons = new java.util.TreeSet<>();
    current.values().forEach(h -> reasons.add(h.reason()));
    if (reasons.size() == 1 && current.size() > 1) {
      String reason = reasons.iterator().next();
      String likely =
          reason.startsWith("the answer for") || reason.startsWith("OCSP status unauthorized")
              ? "the probe itself is the likely cause: check revocationConfigurations[].probe (is"
                  + " its certificate revoked, or its expect wrong?)"
              : reason.startsWith("revocation data for")
                      || reason.startsWith("OCSP status tryLater")
                  ? "what every member shares is the likely cause: the CA's revocation data"
                  : "what every member shares is the likely cause, not one member";
      return "every member fails its health probe the same way (" + reason + "): " + likely;
    }
    List<String> each = new ArrayList<>();
    new java.util.TreeMap<>(current).forEach((m, h) -> each.add(m + ": " + h.reason()));
    return "every member is down (" + String.join("; ", each) + ")";
  }

  /** Follows the members' health into and out of panic: logged once each way. */
  private void assessPanic() {
    Map<String, MemberHealth> current = new java.util.HashMap<>();
    for (String m : members.keySet()) {
      current.put(m, health(m));
    }
    String now = panicReason(current);
    String before = panic;
    panic = now;
    if (before == null && now != null) {
      LOG.error(
          "panic: no member is healthy: {}; {}",
          now,
          settings.panic() == HealthSettings.Panic.SEND_TO_ALL
              ? "new connections go to every started member (health.panic: sendToAll)"
              : "new connections are refused (health.panic: refuse)");
    } else if (before != null && now == null) {
      List<String> usable = new ArrayList<>();
      new java.util.TreeMap<>(current)
          .forEach(
              (m, h) -> {
                if (h.state() != MemberHealth.State.DOWN) {
                  usable.add(m + " " + h.state().name().toLowerCase(java.util.Locale.ROOT));
                }
              });
      LOG.info("panic over: {}", usable.isEmpty() ? "no member left" : String.join(", ", usable));
    }
  }

  /** True once at least one member has passed its probes. */
  public boolean anyUp() {
    return health.values().stream()
        .anyMatch(
            h -> h.state() == MemberHealth.State.UP || h.state() == MemberHealth.State.WARNING);
  }

  /** The balancer could not connect to the member (refused or timed out). */
  @Override
  public void connectFailed(String member) {
    passiveFailure(passive, member, " connects in a row refused or timed out");
  }

  /**
   * One more passive failure in {@code streak}; at {@code passiveFailures} in a row the member is
   * taken out at once, as if its probes had failed {@code fall} times.
   */
  private void passiveFailure(Map<String, Integer> streak, String member, String inARowWhat) {
    int inARow = streak.merge(member, 1, Integer::sum);
    if (inARow >= settings.passiveFailures() && health(member).usable()) {
      synchronized (this) {
        streaks.put(member, RiseFall.takenOut(settings.fall()));
        record(member, MemberHealth.State.DOWN, inARow + inARowWhat);
      }
    }
  }

  private final String scheme;

  /**
   * An SSL context trusting exactly the CA certificates in {@code pem}: for probing members over
   * HTTPS.
   */
  public static javax.net.ssl.SSLContext trusting(java.nio.file.Path pem) throws IOException {
    try (var in = java.nio.file.Files.newInputStream(pem)) {
      java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (var certificate :
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("trusted-" + i++, certificate);
      }
      javax.net.ssl.TrustManagerFactory trust =
          javax.net.ssl.TrustManagerFactory.getInstance(
              javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("responder.tls.trust " + pem + " cannot be used: " + e.getMessage(), e);
    }
  }

  /** The balancer connected to the member. */
  @Override
  public void connected(String member) {
    passive.remove(member);
  }

  /**
   * A request relayed to the member got no byte back within {@code timeout}: a member that accepts
   * connections but does not answer (frozen, hung, overloaded past all bounds) is taken out after
   * {@code passiveFailures} of these in a row, without waiting for the probes.
   */
  @Override
  public void unanswered(String member) {
    passiveFailure(
        silent,
        member,
        " requests in a row got no answer within " + settings.timeout().toMillis() + " ms");
  }

  /** The member answered a relayed request. */
  @Override
  public void answered(String member) {
    silent.remove(member);
    failing.remove(member);
  }

  /**
   * A forwarded OCSP request got a failing answer: {@code passiveFailures} in a row (with no good
   * answer between) take the member out, with the last reason.
   */
  @Override
  public void failedAnswer(String member, String reason) {
    silent.remove(member);
    passiveFailure(failing, member, " forwarded requests in a row failed (last: " + reason + ")");
  }

  private final Map<String, Integer> failing = new ConcurrentHashMap<>();

  private final Map<String, Integer> silent = new ConcurrentHashMap<>();

  private void probeAndReschedule(String member) {
    if (scheduler.isShutdown()) {
      return;
    }
    URI uri = members.get(member);
    if (uri == null) {
      return; // no longer a member
    }
    Timer.Sample sample = Timer.start(registry);
    List<OcspProbe> probes = this.probes;
    List<CompletableFuture<ProbeResult>> results = probes.stream().map(p -> p.probe(uri)).toList();
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .whenComplete(
            (ignored, error) -> {
              sample.stop(durations.get(member));
              ProbeResult failed = null;
              String warning = null;
              for (int i = 0; i < results.size(); i++) {
                ProbeResult r = results.get(i).join();
                String configuration = probes.get(i).configuration();
                Counter.builder("ocsp.probe")
                    .description("OCSP health probes, by result")
                    .tag("member", member)
                    .tag("configuration", configuration)
                    .tag("result", r.passed() ? "pass" : "fail")
                    .register(registry)
                    .increment();
                if (r.nextUpdate() != null) {
                  nextUpdates.put(member + '|' + configuration, r.nextUpdate());
                }
                if (r.data() != null) {
                  for (AnswerData.Listener l : answerListeners) {
                    l.probed(member, configuration, r.data());
                  }
                }
                if (!r.passed() && failed == null) {
                  failed = r;
                }
                if (r.warning() != null && warning == null) {
                  warning = r.warning();
                }
              }
              boolean changing = judge(member, failed, warning, results.size());
              long next =
                  changing
                      ? settings.fastInterval().toMillis()
                      : health(member).state() == MemberHealth.State.DOWN
                          ? settings.downInterval().toMillis()
                          : settings.interval().toMillis();
              long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, next / 10));
              if (!scheduler.isShutdown()) {
                scheduler.schedule(
                    () -> probeAndReschedule(member), next + jitter, TimeUnit.MILLISECONDS);
              }
            });
  }

  /** Applies one round's verdict; returns true while the member is between states. */
  private synchronized boolean judge(
      String member, ProbeResult failed, String warning, int configurations) {
    MemberHealth.State now = health(member).state();
    RiseFall counting = streaks.getOrDefault(member, RiseFall.START);
    RiseFall.Step step =
        failed == null
            ? counting.passed(now, settings.rise())
            : counting.failed(now, settings.fall());
    streaks.put(member, step.next());
    if (step.changes()) {
      // Also each round a member stays in its state: the reason says what this round found (a
      // configuration added, another failure).
      if (failed != null) {
        record(member, MemberHealth.State.DOWN, failed.reason());
      } else if (warning != null) {
        record(member, MemberHealth.State.WARNING, warning);
      } else {
        record(
            member,
            MemberHealth.State.UP,
            "OCSP answers verified for "
                + configurations
                + (configurations == 1 ? " configuration" : " configurations"));
      }
    }
    return step.between();
  }

  private void record(String member, MemberHealth.State state, String reason) {
    MemberHealth previous = health.get(member);
    if (previous.state() == state && previous.reason().equals(reason)) {
      return;
    }
    boolean same = previous.state() == state;
    MemberHealth next = new MemberHealth(state, reason, same ? previous.since() : clock.instant());
    health.put(member, next);
    if (same) {
      assessPanic();
      return; // the same state for another reason: keep the reason current, log only changes
    }
    switch (state) {
      case UP -> LOG.info("{} up: {}", member, reason);
      case WARNING -> LOG.warn("{} warning: {}", member, reason);
      default -> LOG.warn("{} down: {}", member, reason);
    }
    assessPanic();
    listeners.forEach(l -> l.accept(member, next));
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
