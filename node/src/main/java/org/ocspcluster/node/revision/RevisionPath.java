package org.ocspcluster.node.revision;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigWarnings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a configuration revision is put in force in a process, whoever asks (config apply,
 * rollback, add or remove member, the array follower, the array controller): every part prepares
 * the revision beside the one in force; then it is stored; then every part commits in one step. A
 * part that refuses, or a store that fails, aborts what was prepared, and nothing changed.
 */
public final class RevisionPath {
  private static final Logger LOG = LoggerFactory.getLogger(RevisionPath.class);

  /**
   * Keeps the revision durably and says its number; throws when it could not ({@link
   * RevisionRefused} when those it asks, such as the array's other participants, would not).
   */
  @FunctionalInterface
  public interface Store {
    int store() throws Exception;
  }

  private final Supplier<List<Part>> parts;
  private volatile ClusterConfig config;
  private volatile int revision;

  /**
   * {@code parts} is asked on each revision, in commit order, since what a process runs can change.
   */
  public RevisionPath(ClusterConfig inForce, Supplier<List<Part>> parts) {
    this.config = inForce;
    this.parts = parts;
  }

  /** The configuration in force (null for a controller before the first revision). */
  public ClusterConfig config() {
    return config;
  }

  /** The number of the revision in force (0 before the first). */
  public int revision() {
    return revision;
  }

  /**
   * Says which revision is in force at start (read from a store, not applied through this path).
   */
  public synchronized void startAt(int number) {
    revision = number;
  }

  /**
   * Takes {@code inForce} as revision {@code number} without putting it to any part: an array
   * controller keeping up with the revision the array has in force, whoever committed it. Numbers
   * only move forward.
   */
  public void keepUpWith(ClusterConfig inForce, int number) {
    if (number > revision) {
      config = inForce;
      revision = number;
    }
  }

  /**
   * Prepares {@code next} on every part, stores it with {@code store}, commits it on every part:
   * all or nothing. {@code source} says who asked, for the log.
   */
  public synchronized Outcome apply(ClusterConfig next, Store store, String source) {
    ClusterConfig running = config;
    List<Part.Change> prepared = new ArrayList<>();
    try {
      for (Part part : parts.get()) {
        prepared.add(part.prepare(running, next));
      }
    } catch (RevisionRefused e) {
      abort(prepared);
      LOG.warn(
          "config revision from {} refused; revision {} stays in force: {}",
          source,
          revision,
          e.getMessage());
      return Outcome.refused(e.kind(), e.getMessage(), e.problems(), revision, source);
    } catch (RuntimeException e) {
      abort(prepared);
      LOG.warn("config revision from {} refused; revision {} stays in force", source, revision, e);
      return Outcome.refused(
          Outcome.Refusal.INVALID, String.valueOf(e.getMessage()), null, revision, source);
    }
    int number;
    try {
      number = store.store();
    } catch (RevisionRefused e) {
      abort(prepared);
      LOG.warn(
          "config revision from {} not taken; revision {} stays in force: {}{}",
          source,
          revision,
          e.getMessage(),
          e.problems().isEmpty() ? "" : " (" + String.join("; ", e.problems()) + ")");
      return Outcome.refused(e.kind(), e.getMessage(), e.problems(), revision, source);
    } catch (Exception e) {
      abort(prepared);
      String reason = "the revision could not be stored (" + e.getMessage() + "); nothing changed";
      LOG.error(
          "config revision from {} refused; revision {} stays in force: {}",
          source,
          revision,
          reason);
      return Outcome.refused(Outcome.Refusal.NOT_STORED, reason, null, revision, source);
    }
    for (Part.Change change : prepared) {
      change.commit();
    }
    config = next;
    revision = number;
    LOG.info("config revision {} applied ({})", number, source);
    for (var w : next == null ? List.<ConfigException.Problem>of() : ConfigWarnings.of(next)) {
      LOG.warn("config revision {}: {}: {}", number, w.field(), w.reason());
    }
    return Outcome.applied(number, source);
  }

  private static void abort(List<Part.Change> prepared) {
    for (int i = prepared.size() - 1; i >= 0; i--) {
      try {
        prepared.get(i).abort();
      } catch (RuntimeException e) {
        LOG.warn("while giving up a prepared revision: {}", e.toString());
      }
    }
  }
}
