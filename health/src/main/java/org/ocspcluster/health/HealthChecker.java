package org.ocspcluster.health;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.RevocationConfiguration;
import org.ocspcluster.health.probe.OcspProbe;
import org.ocspcluster.health.probe.ProbeResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every member with a real OCSP request per revocation configuration, on a schedule with
 * jitter, and keeps each member's health. A member is up when every configuration's probe passes.
 * Each change of state is logged once, with the reason.
 */
public final class HealthChecker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

  /** The serial the probes ask about; any serial works, the answer's status is not judged yet. */
  static final BigInteger PROBE_SERIAL = BigInteger.ONE;

  private final Map<String, URI> members = new LinkedHashMap<>();
  private final List<OcspProbe> probes = new ArrayList<>();
  private final Map<String, MemberHealth> health = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final HttpClient http;
  private final Duration interval;
  private final Clock clock;

  public HealthChecker(ClusterConfig config, Map<String, URI> memberUris, Duration interval, Duration timeout)
      throws IOException {
    this.interval = interval;
    this.clock = Clock.systemUTC();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "health-probes");
      t.setDaemon(true);
      return t;
    });
    this.http = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .executor(scheduler)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    for (Member m : config.members()) {
      URI uri = memberUris.getOrDefault(m.name(), URI.create("http://" + m.address() + "/"));
      members.put(m.name(), uri);
      health.put(m.name(), new MemberHealth(MemberHealth.State.UNKNOWN, "not probed yet", clock.instant()));
    }
    for (RevocationConfiguration rc : config.revocationConfigurations()) {
      probes.add(new OcspProbe(rc.name(), rc.caCertificate(), PROBE_SERIAL, http, timeout, clock));
    }
  }

  public HealthChecker(ClusterConfig config) throws IOException {
    this(config, Map.of(), Duration.ofSeconds(2), Duration.ofSeconds(2));
  }

  public void start() {
    for (String member : members.keySet()) {
      long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, interval.toMillis() / 5));
      scheduler.schedule(() -> probeAndReschedule(member), jitter, TimeUnit.MILLISECONDS);
    }
  }

  public MemberHealth health(String member) {
    return health.getOrDefault(member, new MemberHealth(MemberHealth.State.UNKNOWN, "not a member", clock.instant()));
  }

  public Map<String, MemberHealth> snapshot() {
    return Map.copyOf(health);
  }

  /** True once at least one member has passed its probes. */
  public boolean anyUp() {
    return health.values().stream().anyMatch(h -> h.state() == MemberHealth.State.UP);
  }

  private void probeAndReschedule(String member) {
    if (scheduler.isShutdown()) {
      return;
    }
    URI uri = members.get(member);
    List<CompletableFuture<ProbeResult>> results = probes.stream().map(p -> p.probe(uri)).toList();
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
      ProbeResult failed = results.stream().map(CompletableFuture::join)
          .filter(r -> !r.passed()).findFirst().orElse(null);
      record(member, failed == null ? MemberHealth.State.UP : MemberHealth.State.DOWN,
          failed == null ? "OCSP answers verified for " + probes.size() + " configuration(s)" : failed.reason());
      long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, interval.toMillis() / 10));
      if (!scheduler.isShutdown()) {
        scheduler.schedule(() -> probeAndReschedule(member), interval.toMillis() + jitter, TimeUnit.MILLISECONDS);
      }
    });
  }

  private void record(String member, MemberHealth.State state, String reason) {
    MemberHealth previous = health.get(member);
    if (previous.state() == state) {
      return;
    }
    health.put(member, new MemberHealth(state, reason, Instant.now(clock)));
    if (state == MemberHealth.State.UP) {
      LOG.info("{} up: {}", member, reason);
    } else {
      LOG.warn("{} down: {}", member, reason);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
