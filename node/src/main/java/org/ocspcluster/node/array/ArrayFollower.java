package org.ocspcluster.node.array;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.coordination.Proposals;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.node.revision.RevisionPath;
import org.ocspcluster.node.revision.RevisionRefused;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A participant's role in an array on ZooKeeper (a member, or a balancer). A proposed revision is
 * prepared through the process's {@link RevisionPath} and voted on; it is put in force only when
 * the controller commits it (and dropped when it aborts). A committed revision this process missed
 * (it was down, or the decision came late) is taken when seen. Revisions are kept in the local
 * store under the array's numbers, so that a restart without ZooKeeper serves (and reports) the
 * same revision.
 */
public final class ArrayFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArrayFollower.class);

  /**
   * How long a participant that prepared waits for the controller's decision: longer than the
   * controller waits for votes, so that it decides first.
   */
  static final Duration DECISION_TIMEOUT = ArrayController.PREPARE_TIMEOUT.multipliedBy(2);

  /** One participant this process registers: kind "members" or "balancers", and its name. */
  public record Participant(String kind, String name) {
    String vote() {
      return Proposals.participant(kind, name);
    }
  }

  private final ZooKeeperConfigStore array;
  private final Proposals proposals;
  private final FolderConfigStore local;
  private final RevisionPath path;
  private final List<Participant> participants;
  private final ExecutorService follow =
      Executors.newSingleThreadExecutor(daemon("array-follower"));
  private final ScheduledExecutorService heartbeat =
      Executors.newSingleThreadScheduledExecutor(daemon("array-heartbeat"));
  private volatile String lastRefusal;
  private volatile int removedBy;
  private volatile int lastTried;

  /**
   * Follows {@code array} for the process whose revisions go through {@code path}; registers each
   * of {@code participants} with what {@code registration} says of it.
   */
  public ArrayFollower(
      ZooKeeperConfigStore array,
      FolderConfigStore local,
      RevisionPath path,
      List<Participant> participants,
      Function<Participant, Map<String, Object>> registration)
      throws IOException {
    this.array = array;
    this.proposals = new Proposals(array);
    this.local = local;
    this.path = path;
    this.participants = List.copyOf(participants);
    List<ZooKeeperConfigStore.Registration> registrations = new ArrayList<>();
    for (Participant p : participants) {
      registrations.add(array.register(p.kind(), p.name(), withRefusal(registration.apply(p))));
    }
    Runnable report =
        () -> {
          for (int i = 0; i < participants.size(); i++) {
            try {
              registrations.get(i).update(withRefusal(registration.apply(participants.get(i))));
            } catch (IOException | RuntimeException e) {
              LOG.debug("registration not updated: {}", e.getMessage());
            }
          }
        };
    proposals.watch(
        p ->
            follow.execute(
                () -> {
                  prepareAndVote(p.revision(), p.id());
                  report.run();
                }));
    array.watch(
        r ->
            follow.execute(
                () -> {
                  if (r.number() != path.revision()) {
                    catchUp(r);
                  }
                  report.run();
                }));
    heartbeat.scheduleWithFixedDelay(
        () -> {
          report.run();
          follow.execute(this::catchUpIfMissed);
        },
        5,
        5,
        TimeUnit.SECONDS);
  }

  private Map<String, Object> withRefusal(Map<String, Object> status) {
    String refusal = lastRefusal;
    Map<String, Object> with = new LinkedHashMap<>(status);
    if (refusal != null) {
      with.put("refused", refusal);
    }
    if (removedBy > 0) {
      with.put("removedBy", removedBy);
    }
    return with;
  }

  /** Why the last revision seen was not taken, or null when the last one was. */
  /**
   * Records a host or rule verb taken by this balancer in the array, so that every balancer (every
   * front end) applies it, now and when it starts.
   */
  public void recordControl(String kind, String name, String verb, String caller)
      throws java.io.IOException {
    array.recordControl(kind, name, verb, caller);
  }

  public String lastRefusal() {
    return lastRefusal;
  }

  /**
   * Revision {@code r} proposed: prepare it beside the one in force, vote, and put it in force only
   * if the controller commits it.
   */
  void prepareAndVote(Revision r, String id) {
    if (r.number() <= path.revision()) {
      return;
    }
    if (removedBy > 0) {
      // Removed from the array: it holds no later revision up (and takes none).
      vote(r.number(), id, null);
      return;
    }
    ClusterConfig next;
    try {
      next = ConfigLoader.parse(r.anchor(), r.yaml());
    } catch (ConfigException e) {
      vote(r.number(), id, "does not validate here: " + e.getMessage().replace('\n', ' '));
      return;
    }
    if (removedBy(next)) {
      // Remove Array Member: this member agrees to leave; it takes no revision after it.
      vote(r.number(), id, null);
      try {
        if (awaitDecision(r.number(), id) == Proposals.State.COMMITTED) {
          leave(r);
        }
      } catch (IOException e) {
        LOG.warn("no decision on revision {}: {}", r.number(), e.getMessage());
      }
      return;
    }
    boolean[] voted = {false};
    Outcome outcome =
        path.apply(
            next,
            () -> {
              vote(r.number(), id, null);
              voted[0] = true;
              Proposals.State decision = awaitDecision(r.number(), id);
              if (decision == Proposals.State.COMMITTED) {
                local.keep(r);
                return r.number();
              }
              throw new RevisionRefused(
                  Outcome.Refusal.NOT_PREPARED,
                  decision == Proposals.State.ABORTED
                      ? "revision "
                          + r.number()
                          + " aborted by the controller ("
                          + proposals.abortReason(r.number())
                          + ")"
                      : "no decision on revision "
                          + r.number()
                          + " within "
                          + DECISION_TIMEOUT.toSeconds()
                          + " s; taken later if it was committed");
            },
            "revision " + r.number() + " proposed by the array: " + r.source());
    if (outcome.applied()) {
      lastRefusal = null;
    } else if (!voted[0]) {
      vote(r.number(), id, reason(outcome));
    }
  }

  private Proposals.State awaitDecision(int number, String id) throws IOException {
    return proposals.awaitDecision(number, id, DECISION_TIMEOUT);
  }

  /**
   * The array's revision in force, when this process neither runs it nor tried it: a change of
   * {@code current} whose revision could not be read when it was seen (a connection blip) is not
   * seen again, so the heartbeat asks.
   */
  private void catchUpIfMissed() {
    if (!array.connected() || removedBy > 0) {
      return;
    }
    try {
      array
          .current()
          .filter(r -> r.number() != path.revision() && r.number() != lastTried)
          .ifPresent(this::catchUp);
    } catch (IOException e) {
      LOG.debug("array's revision not read now: {}", e.getMessage());
    }
  }

  /** Whether {@code next} no longer names the members this process runs (and it runs some). */
  private boolean removedBy(ClusterConfig next) {
    List<Participant> members =
        participants.stream().filter(p -> p.kind().equals("members")).toList();
    return !members.isEmpty() && members.stream().allMatch(p -> next.member(p.name()).isEmpty());
  }

  /**
   * This process's members were removed by revision {@code r}: it says so once, reports it in its
   * registration, and takes no more revisions (the balancers no longer send it traffic).
   */
  private void leave(Revision r) {
    removedBy = r.number();
    LOG.warn(
        "removed from the array by revision {} ({}): this process takes no more revisions and the"
            + " balancers send it no traffic; stop it",
        r.number(),
        r.source());
  }

  private void vote(int number, String id, String refusedBecause) {
    for (Participant p : participants) {
      try {
        proposals.vote(
            number,
            id,
            p.vote(),
            refusedBecause == null
                ? null
                : refusedBecause.replaceFirst("^member " + p.name() + ": ", ""));
      } catch (IOException e) {
        LOG.warn("could not vote on revision {}: {}", number, e.getMessage());
      }
    }
  }

  private static String reason(Outcome outcome) {
    return (outcome.refusal() == Outcome.Refusal.NEEDS_RESTART ? "needs a restart: " : "")
        + outcome.reason()
        + (outcome.problems().isEmpty() ? "" : " (" + String.join("; ", outcome.problems()) + ")");
  }

  /** Committed revision {@code r}, which this process did not take when proposed: take it now. */
  void catchUp(Revision r) {
    if (removedBy > 0) {
      return;
    }
    lastTried = r.number();
    ClusterConfig next;
    try {
      next = ConfigLoader.parse(r.anchor(), r.yaml());
    } catch (ConfigException e) {
      lastRefusal = "revision " + r.number() + " refused: " + e.getMessage().replace('\n', ' ');
      LOG.error("{}; revision {} stays in force", lastRefusal, path.revision());
      return;
    }
    if (removedBy(next)) {
      leave(r);
      return;
    }
    Outcome outcome =
        path.apply(
            next,
            () -> {
              local.keep(r);
              return r.number();
            },
            "revision " + r.number() + " of the array: " + r.source());
    if (outcome.applied()) {
      lastRefusal = null;
    } else {
      lastRefusal = "revision " + r.number() + " refused: " + reason(outcome);
      LOG.error("{}; revision {} stays in force", lastRefusal, path.revision());
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    heartbeat.shutdownNow();
    follow.shutdownNow();
    array.close();
  }
}
