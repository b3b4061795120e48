package org.ocspcluster.node.array;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.config.Member;
import org.ocspcluster.coordination.Proposals;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.node.revision.Part;
import org.ocspcluster.node.revision.RevisionRefused;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The array controller's role: it runs no member itself; the leader among controllers proposes
 * revisions to the array and commits them only when every live participant has prepared them (see
 * {@link Proposals}); the others stand by.
 */
public final class ArrayController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArrayController.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long the participants have to load a proposed revision and say prepared or refused. */
  public static final Duration PREPARE_TIMEOUT = Duration.ofSeconds(15);

  private final ZooKeeperConfigStore array;
  private final Proposals proposals;
  private final LeaderLatch latch;
  private final String id;
  private volatile Map<String, Object> lastStatus;
  private volatile Instant unreachableSince;

  public ArrayController(ZooKeeperConfigStore array, String id, LeadershipListener listener)
      throws IOException {
    this.array = array;
    this.id = id;
    this.proposals = new Proposals(array);
    this.latch = array.controllerLatch(id);
    latch.addListener(
        new LeaderLatchListener() {
          @Override
          public void isLeader() {
            LOG.info("controller {} now leads the array (it proposes and commits revisions)", id);
            listener.changed(true);
          }

          @Override
          public void notLeader() {
            LOG.info("controller {} stands by ({})", id, leaderId());
            listener.changed(false);
          }
        });
  }

  /** Told when this controller starts or stops leading. */
  @FunctionalInterface
  public interface LeadershipListener {
    void changed(boolean leads);
  }

  public ZooKeeperConfigStore store() {
    return array;
  }

  /** The revision the array has in force now (0 for none). */
  public int currentRevision() throws IOException {
    return array.current().map(Revision::number).orElse(0);
  }

  public boolean leads() {
    return latch.hasLeadership();
  }

  /** The revision path's only part on a controller: only the leader may propose a revision. */
  public Part leadership() {
    return (running, next) -> {
      try {
        array.requireConnected();
      } catch (ZooKeeperConfigStore.Unreachable e) {
        throw new RevisionRefused(
            Outcome.Refusal.NOT_STORED, e.getMessage() + "; nothing was proposed");
      }
      if (!latch.hasLeadership()) {
        throw new RevisionRefused(
            Outcome.Refusal.NOT_HERE,
            "this controller is not the leader; apply on the leader, " + leaderId());
      }
      return Part.Change.NONE;
    };
  }

  /**
   * Proposes {@code yaml} to every live participant and commits it when all have prepared it;
   * returns its number. Throws (after aborting it everywhere) naming each participant that refused,
   * and why, or gave no answer in time.
   */
  public int propose(String yaml, Path baseDir, String source) throws IOException, RevisionRefused {
    Proposals.Proposal p = proposals.propose(yaml, baseDir, source);
    int number = p.revision().number();
    LOG.info(
        "revision {} proposed to {} ({})",
        number,
        p.participants().isEmpty() ? "no live participant" : String.join(", ", p.participants()),
        source);
    Proposals.Votes votes;
    try {
      votes = proposals.awaitVotes(p, PREPARE_TIMEOUT);
    } catch (IOException | RuntimeException e) {
      abortQuietly(p, "the controller could not collect the votes: " + e.getMessage());
      throw e;
    }
    if (!votes.allPrepared()) {
      List<String> why = new ArrayList<>();
      votes.refused().forEach((who, reason) -> why.add(spoken(who) + ": " + reason));
      votes
          .missing()
          .forEach(
              who ->
                  why.add(
                      spoken(who)
                          + ": no answer within "
                          + PREPARE_TIMEOUT.toSeconds()
                          + " s (is it stuck? see its log)"));
      proposals.abort(p, String.join("; ", why));
      LOG.warn("revision {} aborted everywhere: {}", number, String.join("; ", why));
      throw new RevisionRefused(
          Outcome.Refusal.NOT_PREPARED,
          "revision "
              + number
              + " was aborted: not every participant of the array could take it; nothing changed anywhere",
          why);
    }
    try {
      proposals.commit(p);
    } catch (IOException | RuntimeException e) {
      abortQuietly(p, "not committed: " + e.getMessage());
      throw e;
    }
    LOG.info("revision {} committed: every participant prepared it ({})", number, votes.prepared());
    return number;
  }

  /**
   * Records a host verb ({@code kind} "hosts") or rule verb ("rules") for every balancer of the
   * array; refuses a verb or a name the revision in force does not know. Says what will happen.
   */
  public String recordControl(String kind, String name, String verb, String caller)
      throws IOException {
    List<String> verbs =
        kind.equals("hosts")
            ? List.of("start", "stop", "drainstop", "suspend", "resume")
            : List.of("enable", "disable", "drain");
    if (!verbs.contains(verb)) {
      throw new IllegalArgumentException(
          "unknown verb '"
              + verb
              + "'; "
              + (kind.equals("hosts") ? "members: " : "rules: ")
              + verbs);
    }
    var current = array.current();
    if (current.isPresent()) {
      ClusterConfig config = null;
      try {
        config = ConfigLoader.parse(current.get().anchor(), current.get().yaml());
      } catch (ConfigException e) {
        LOG.debug("revision in force does not parse here: {}", e.getMessage());
      }
      boolean known =
          config == null
              || (kind.equals("hosts")
                  ? config.member(name).isPresent()
                  : config.rule(name).isPresent());
      if (!known) {
        throw new IllegalArgumentException(
            "revision "
                + current.get().number()
                + " has no "
                + (kind.equals("hosts") ? "member" : "port rule")
                + " named \""
                + name
                + "\"");
      }
    }
    array.recordControl(kind, name, verb, caller);
    var balancers = array.registered("balancers").keySet();
    return verb
        + " "
        + name
        + " recorded for every balancer of the array ("
        + (balancers.isEmpty()
            ? "none is running now"
            : "running now: " + String.join(", ", balancers))
        + "); each applies it as it sees it and again whenever it starts (each balancer's log and"
        + " query say how it went there)";
  }

  /** Aborts {@code p} so that participants let go at once; if even that fails, they time out. */
  private void abortQuietly(Proposals.Proposal p, String why) {
    try {
      proposals.abort(p, why);
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "revision {} could not be marked aborted ({}); participants drop it after {} s",
          p.revision().number(),
          e.getMessage(),
          ArrayFollower.DECISION_TIMEOUT.toSeconds());
    }
  }

  /** The member states {@code array status} tells, one gauge each. */
  static final List<String> STATES =
      List.of("up", "behind", "refusing", "down", "never started", "not in the configuration");

  private volatile Map<String, Object> scraped;
  private volatile long scrapedAt;

  /**
   * The array as a monitoring system sees it, on this controller's /metrics: the revision in force,
   * whether every member and balancer runs it, members per state, ZooKeeper reachable, this
   * controller leading. Read from ZooKeeper at most once a second (one scrape reads all gauges);
   * while ZooKeeper is unreachable the array's gauges say NaN (unknown), not the last values.
   */
  public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.Gauge.builder(
            "ocsp.array.revision", this, c -> c.known("revision"))
        .description(
            "The configuration revision the array has in force (NaN: ZooKeeper unreachable)")
        .register(registry);
    io.micrometer.core.instrument.Gauge.builder(
            "ocsp.array.converged",
            this,
            c -> {
              Map<String, Object> s = c.scrape();
              return s.containsKey("members")
                  ? (Boolean.TRUE.equals(s.get("converged")) ? 1 : 0)
                  : Double.NaN;
            })
        .description("1 when every member and balancer runs the array's revision")
        .register(registry);
    for (String state : STATES) {
      io.micrometer.core.instrument.Gauge.builder(
              "ocsp.array.members", this, c -> c.membersIn(state))
          .description("Configured members per state, as array status tells them")
          .tag("state", state)
          .register(registry);
    }
    io.micrometer.core.instrument.Gauge.builder(
            "ocsp.array.zookeeper.connected", this, c -> c.array.connected() ? 1 : 0)
        .description("1 while this controller's ZooKeeper session is connected")
        .register(registry);
    io.micrometer.core.instrument.Gauge.builder(
            "ocsp.array.controller.leader", this, c -> c.leads() ? 1 : 0)
        .description("1 while this controller leads the array")
        .register(registry);
  }

  private synchronized Map<String, Object> scrape() {
    long now = System.nanoTime();
    if (scraped == null || now - scrapedAt > 1_000_000_000L) {
      scraped = status();
      scrapedAt = now;
    }
    return scraped;
  }

  private double known(String field) {
    Object value = scrape().get(field);
    return value instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  @SuppressWarnings("unchecked")
  private double membersIn(String state) {
    Object members = scrape().get("members");
    if (!(members instanceof List<?> list)) {
      return Double.NaN;
    }
    return ((List<Map<String, Object>>) list)
        .stream().filter(m -> state.equals(m.get("state"))).count();
  }

  /** "member:NAME" as people say it: "member NAME". */
  static String spoken(String participant) {
    return participant.replaceFirst(":", " ");
  }

  /** Why this controller is not ready, or null when it leads. */
  public String notReadyReason() {
    return latch.hasLeadership() ? null : "this controller is standing by; " + leaderId();
  }

  public String leaderId() {
    if (!array.connected()) {
      return "no leader is known while ZooKeeper is unreachable";
    }
    try {
      return "the leader is " + latch.getLeader().getId();
    } catch (Exception e) {
      return "no leader is known (" + e.getMessage() + ")";
    }
  }

  /**
   * The array as it is: every configured member (live, behind, refusing, down with when it was last
   * seen, or never started), the balancers, the controllers, and whether all run the revision in
   * force. While ZooKeeper is unreachable: the last status read, saying so, at once.
   */
  public Map<String, Object> status() {
    try {
      Map<String, Object> now = readStatus();
      lastStatus = now;
      unreachableSince = null;
      return now;
    } catch (IOException | RuntimeException e) {
      if (unreachableSince == null) {
        unreachableSince = Instant.now();
      }
      Map<String, Object> known = new LinkedHashMap<>();
      known.put("zookeeper", "unreachable since " + unreachableSince + ": " + e.getMessage());
      known.put("converged", false);
      Map<String, Object> last = lastStatus;
      if (last != null) {
        known.put("lastKnown", last);
      }
      return known;
    }
  }

  private Map<String, Object> readStatus() throws IOException {
    array.requireConnected();
    var current = array.current();
    int revision = current.map(Revision::number).orElse(0);
    ClusterConfig config = null;
    if (current.isPresent()) {
      try {
        config = ConfigLoader.parse(current.get().anchor(), current.get().yaml());
      } catch (ConfigException e) {
        LOG.debug("revision {} does not parse here: {}", revision, e.getMessage());
      }
    }
    List<Map<String, Object>> controllers = new ArrayList<>();
    try {
      for (Participant p : latch.getParticipants()) {
        controllers.add(Map.of("controller", p.getId(), "leader", p.isLeader()));
      }
    } catch (Exception e) {
      throw new IOException("cannot list the controllers: " + e.getMessage(), e);
    }
    return ArrayStatus.of(
        revision,
        config == null ? null : config.members().stream().map(Member::name).toList(),
        array.registered("members"),
        array.registered("balancers"),
        array.registered("seen"),
        controllers);
  }

  /**
   * POSTs {@code pathAndQuery} (Refresh Revocation Data, re-read a signer) to every registered
   * member of the array, or only {@code member} when given, through each member's admin listener
   * (with the token and TLS of {@code settings}, the revision's admin section); per member, what it
   * answered or why it could not be asked.
   */
  public Fanout fanOut(String pathAndQuery, String member, org.ocspcluster.config.Admin settings)
      throws IOException {
    Map<String, Object> results = new LinkedHashMap<>();
    boolean failed = false;
    // The members' admin listeners are set up by the same revision: its token and TLS.
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    String scheme = "http";
    if (settings != null && settings.tls() != null) {
      scheme = "https";
      java.nio.file.Path trust =
          settings.tls().trust() != null ? settings.tls().trust() : settings.tls().certificate();
      client.sslContext(org.ocspcluster.health.HealthChecker.trusting(trust));
    }
    String token = null;
    if (settings != null && settings.tokenFile() != null) {
      try {
        token = java.nio.file.Files.readString(settings.tokenFile()).strip();
      } catch (IOException e) {
        return new Fanout(
            Map.of(
                "controller",
                "cannot read admin.tokenFile "
                    + settings.tokenFile()
                    + " on this machine, which the members' admin listeners require: "
                    + e.getMessage()),
            true);
      }
    }
    HttpClient http = client.build();
    Map<String, Map<String, Object>> members = array.members();
    if (member != null && !members.containsKey(member)) {
      return new Fanout(Map.of(member, "not registered: is it running?"), true);
    }
    for (var entry : members.entrySet()) {
      if (member != null && !member.equals(entry.getKey())) {
        continue;
      }
      Object address = entry.getValue().get("admin");
      if (address == null) {
        results.put(entry.getKey(), "no admin listener: start the member with --admin HOST:PORT");
        failed = true;
        continue;
      }
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(scheme + "://" + address + pathAndQuery))
                .timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
          request.header("Authorization", "Bearer " + token);
        }
        var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Object said;
        try {
          said = JSON.readTree(response.body()).get(entry.getKey());
        } catch (IOException notJson) {
          said = null;
        }
        results.put(
            entry.getKey(),
            said != null ? said : response.statusCode() + ": " + response.body().strip());
        failed |= response.statusCode() != 200;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        results.put(entry.getKey(), "interrupted");
        failed = true;
      } catch (IOException | RuntimeException e) {
        results.put(entry.getKey(), "unreachable at " + address + ": " + e.getMessage());
        failed = true;
      }
    }
    return new Fanout(results, failed);
  }

  /** Per member, what it said; {@code failed} when any member failed or could not be asked. */
  public record Fanout(Map<String, Object> results, boolean failed) {}

  public String id() {
    return id;
  }

  @Override
  public void close() throws IOException {
    latch.close();
  }
}
