package org.ocspcluster.coordination;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The two phases of an array revision on Curator's in-process ZooKeeper server. */
class ProposalsTest extends OnInProcessZooKeeper {

  /** Registrations are created in the background: waits until ZooKeeper has them. */
  private static void registered(ZooKeeperConfigStore store, String... participants) {
    Proposals proposals = new Proposals(store);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> proposals.participants().containsAll(Set.of(participants)));
  }

  @Test
  void aRefusedProposalIsNeverStoredAndItsNumberIsUsedAgain() throws Exception {
    ZooKeeperConfigStore controller = store();
    controller.append("a: 1\n", dir, "first");
    ZooKeeperConfigStore member = store();
    member.register("members", "m1", Map.of("revision", 1));
    ZooKeeperConfigStore other = store();
    other.register("balancers", "lb", Map.of("revision", 1));
    registered(controller, "member:m1", "balancer:lb");
    Proposals proposals = new Proposals(controller);

    Proposals.Proposal p = proposals.propose("a: 2\n", dir, "second");
    assertEquals(2, p.revision().number());
    assertEquals(Set.of("member:m1", "balancer:lb"), p.participants());
    new Proposals(member).vote(2, p.id(), "member:m1", null);
    new Proposals(other).vote(2, p.id(), "balancer:lb", "needs a restart: the rule's port");
    Proposals.Votes votes = proposals.awaitVotes(p, Duration.ofSeconds(10));
    assertFalse(votes.allPrepared());
    assertEquals(Map.of("balancer:lb", "needs a restart: the rule's port"), votes.refused());
    assertEquals(Set.of("member:m1"), votes.prepared());
    proposals.abort(p, "balancer lb refused");
    assertEquals(
        Proposals.State.ABORTED,
        new Proposals(member).awaitDecision(2, p.id(), Duration.ofSeconds(1)));
    assertEquals(1, controller.current().orElseThrow().number(), "nothing was stored");

    Proposals.Proposal again = proposals.propose("a: 3\n", dir, "third");
    assertEquals(2, again.revision().number(), "the aborted number is proposed again");
    // A late vote on the aborted proposal of the same number does not count for this one.
    new Proposals(member).vote(2, p.id(), "member:m1", null);
    assertEquals(
        Set.of("member:m1", "balancer:lb"),
        proposals.awaitVotes(again, Duration.ofMillis(300)).missing());
    assertEquals(
        Proposals.State.ABORTED,
        new Proposals(member).awaitDecision(2, p.id(), Duration.ofSeconds(1)),
        "the old proposal's waiter does not take the new one's decision");
    new Proposals(member).vote(2, again.id(), "member:m1", null);
    new Proposals(other).vote(2, again.id(), "balancer:lb", null);
    assertTrue(proposals.awaitVotes(again, Duration.ofSeconds(10)).allPrepared());
    proposals.commit(again);
    assertEquals(
        Proposals.State.COMMITTED,
        new Proposals(member).awaitDecision(2, again.id(), Duration.ofSeconds(1)));
    assertEquals("a: 3\n", member.current().orElseThrow().yaml());
  }

  @Test
  void aParticipantThatLeavesIsNotWaitedForAndOneThatIsSilentIsNamed() throws Exception {
    ZooKeeperConfigStore controller = store();
    controller.append("a: 1\n", dir, "first");
    ZooKeeperConfigStore leaving = store();
    leaving.register("members", "gone", Map.of());
    ZooKeeperConfigStore silent = store();
    silent.register("members", "silent", Map.of());
    registered(controller, "member:gone", "member:silent");
    Proposals proposals = new Proposals(controller);
    Proposals.Proposal p = proposals.propose("a: 2\n", dir, "second");
    leaving.close();
    Proposals.Votes votes = proposals.awaitVotes(p, Duration.ofMillis(500));
    assertEquals(Set.of("member:silent"), votes.missing());
  }

  @Test
  void aCommitFailsWhenAnotherControllerMovedTheArrayMeanwhile() throws Exception {
    ZooKeeperConfigStore a = store();
    a.append("a: 1\n", dir, "first");
    Proposals proposals = new Proposals(a);
    Proposals.Proposal p = proposals.propose("a: 2\n", dir, "from a");
    assertThrows(
        java.io.IOException.class,
        () -> store().append("b: 2\n", dir, "from b"),
        "one proposal at a time");
    // Another controller, thinking it leads, moves the pointer meanwhile.
    a.client().setData().forPath("/ocsp-cluster/demo/current", "1".getBytes(US_ASCII));
    assertThrows(java.io.IOException.class, () -> proposals.commit(p));
    assertEquals("a: 1\n", a.current().orElseThrow().yaml(), "nothing was stored");
  }
}
