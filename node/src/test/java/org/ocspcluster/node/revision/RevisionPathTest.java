package org.ocspcluster.node.revision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one revision path: prepare on every part, store, commit on every part; or abort with nothing
 * changed.
 */
class RevisionPathTest {
  private final List<String> events = new ArrayList<>();

  /** A part that records what happens to it, and refuses when told to. */
  private Part part(String name, boolean refuses) {
    return (running, next) -> {
      events.add(name + " prepared");
      if (refuses) {
        throw new RevisionRefused(Outcome.Refusal.INVALID, name + " cannot take it");
      }
      return new Part.Change() {
        @Override
        public void commit() {
          events.add(name + " committed");
        }

        @Override
        public void abort() {
          events.add(name + " aborted");
        }
      };
    };
  }

  @Test
  void everyPartPreparesThenTheRevisionIsStoredThenEveryPartCommitsInOrder() {
    RevisionPath path =
        new RevisionPath(null, () -> List.of(part("members", false), part("balancer", false)));
    path.startAt(4);

    Outcome outcome =
        path.apply(
            null,
            () -> {
              events.add("stored");
              return 5;
            },
            "test");

    assertTrue(outcome.applied());
    assertEquals(5, outcome.revision());
    assertEquals(5, path.revision());
    assertEquals(
        List.of(
            "members prepared",
            "balancer prepared",
            "stored",
            "members committed",
            "balancer committed"),
        events);
  }

  @Test
  void aStoreThatFailsAbortsEveryPreparedPartAndChangesNothing() {
    RevisionPath path =
        new RevisionPath(null, () -> List.of(part("members", false), part("balancer", false)));
    path.startAt(4);

    Outcome outcome =
        path.apply(
            null,
            () -> {
              throw new IOException("disk full");
            },
            "test");

    assertFalse(outcome.applied());
    assertEquals(Outcome.Refusal.NOT_STORED, outcome.refusal());
    assertTrue(outcome.reason().contains("disk full"), outcome.reason());
    assertEquals(4, outcome.revision(), "the outcome names the revision still in force");
    assertEquals(4, path.revision());
    assertEquals(
        List.of("members prepared", "balancer prepared", "balancer aborted", "members aborted"),
        events);
  }

  @Test
  void aPartThatRefusesAbortsThosePreparedBeforeItAndNothingIsStored() {
    RevisionPath path =
        new RevisionPath(
            null,
            () -> List.of(part("members", false), part("probes", true), part("balancer", false)));
    path.startAt(2);

    Outcome outcome =
        path.apply(
            null,
            () -> {
              events.add("stored");
              return 3;
            },
            "test");

    assertFalse(outcome.applied());
    assertEquals(Outcome.Refusal.INVALID, outcome.refusal());
    assertEquals("probes cannot take it", outcome.reason());
    assertEquals(2, path.revision());
    assertEquals(List.of("members prepared", "probes prepared", "members aborted"), events);
  }
}
