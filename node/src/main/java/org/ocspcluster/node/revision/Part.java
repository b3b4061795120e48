package org.ocspcluster.node.revision;

import org.ocspcluster.config.ClusterConfig;

/**
 * One part of a process that a configuration revision changes (the members, the balancer, the
 * probes, an array controller's leadership). Why two steps: every part must be able to refuse a
 * revision before any part has switched, so that a revision is taken whole or not at all.
 */
@FunctionalInterface
public interface Part {
  /**
   * Loads everything {@code next} needs beside what is in force, changing nothing that serves;
   * throws, with the reason, when this part cannot take it.
   */
  Change prepare(ClusterConfig running, ClusterConfig next) throws RevisionRefused;

  /** A prepared change: put in force, or given up (releasing what prepare made). */
  interface Change {
    Change NONE = () -> {};

    /**
     * Puts the prepared change in force; must not fail (everything that can fail was done in
     * prepare).
     */
    void commit();

    /** Releases what prepare made; nothing in force was touched. */
    default void abort() {}
  }
}
