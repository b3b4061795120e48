package org.ocspcluster.node.array;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.coordination.ConfigStore;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.node.revision.RevisionPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower's role in an array on ZooKeeper (a member, or a balancer): each new revision is put
 * in force through the process's {@link RevisionPath} (all or nothing), kept in the local store so
 * that a restart without ZooKeeper serves it, and reported in each member's registration.
 */
public final class ArrayFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArrayFollower.class);

  private final ZooKeeperConfigStore array;
  private final ConfigStore local;
  private final RevisionPath path;
  private final ScheduledExecutorService heartbeat =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "array-heartbeat");
            t.setDaemon(true);
            return t;
          });
  private volatile String lastRefusal;

  /**
   * Follows {@code array} for the process whose revisions go through {@code path}; registers each
   * of {@code members} with what {@code registration} says of it (given the last refusal, or null).
   */
  public ArrayFollower(
      ZooKeeperConfigStore array,
      ConfigStore local,
      RevisionPath path,
      List<String> members,
      Function<String, Map<String, Object>> registration)
      throws IOException {
    this.array = array;
    this.local = local;
    this.path = path;
    List<ZooKeeperConfigStore.Registration> registrations = new ArrayList<>();
    for (String member : members) {
      registrations.add(array.register(member, withRefusal(registration.apply(member))));
    }
    Runnable report =
        () -> {
          for (int i = 0; i < members.size(); i++) {
            try {
              registrations.get(i).update(withRefusal(registration.apply(members.get(i))));
            } catch (IOException | RuntimeException e) {
              LOG.debug("registration not updated: {}", e.getMessage());
            }
          }
        };
    array.watch(
        r -> {
          if (r.number() != path.revision()) {
            follow(r);
          }
          report.run();
        });
    heartbeat.scheduleWithFixedDelay(report, 5, 5, TimeUnit.SECONDS);
  }

  private Map<String, Object> withRefusal(Map<String, Object> status) {
    String refusal = lastRefusal;
    if (refusal != null) {
      Map<String, Object> with = new java.util.LinkedHashMap<>(status);
      with.put("refused", refusal);
      return with;
    }
    return status;
  }

  /** Why the last revision seen was not taken, or null when the last one was. */
  public String lastRefusal() {
    return lastRefusal;
  }

  /** Applies revision {@code r} of the array, as {@code config apply} would. */
  void follow(Revision r) {
    ClusterConfig next;
    try {
      next = ConfigLoader.parse(r.anchor(), r.yaml());
    } catch (ConfigException e) {
      lastRefusal = "revision " + r.number() + " refused: " + e.getMessage().replace('\n', ' ');
      LOG.error("{}; revision {} stays in force", lastRefusal, path.revision());
      return;
    }
    Outcome outcome =
        path.apply(
            next,
            () -> {
              local.append(r.yaml(), r.baseDir(), "revision " + r.number() + " from the array");
              return r.number();
            },
            "from the array: " + r.source());
    if (outcome.applied()) {
      lastRefusal = null;
    } else {
      lastRefusal =
          outcome.refusal() == Outcome.Refusal.NEEDS_RESTART
              ? "revision "
                  + r.number()
                  + " needs a restart of this member ("
                  + outcome.reason()
                  + ")"
              : "revision "
                  + r.number()
                  + " refused: "
                  + outcome.reason()
                  + (outcome.problems().isEmpty()
                      ? ""
                      : " (" + String.join("; ", outcome.problems()) + ")");
      LOG.error("{}; revision {} stays in force", lastRefusal, path.revision());
    }
  }

  @Override
  public void close() {
    heartbeat.shutdownNow();
    array.close();
  }
}
