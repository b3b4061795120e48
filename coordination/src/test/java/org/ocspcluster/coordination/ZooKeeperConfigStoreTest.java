package org.ocspcluster.coordination;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Test;

/** Against Curator's in-process ZooKeeper server (a real ZooKeeper, run inside the test JVM). */
class ZooKeeperConfigStoreTest extends OnInProcessZooKeeper {

  @Test
  void aRevisionAppendedByOneProcessIsSeenAndWatchedByAnother() throws Exception {
    ZooKeeperConfigStore controller = store();
    ZooKeeperConfigStore member = store();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    member.watch(r -> seen.add(r.number()));
    controller.append("a: 1\n", dir, "first");
    controller.append("a: 2\n", dir, "second");
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(2));
    assertEquals("a: 2\n", member.current().orElseThrow().yaml());
    assertEquals(List.of(1, 2), member.history().stream().map(Revision::number).toList());
  }

  @Test
  void membersRegisterEphemerallyAndLeaveWithTheirSession() throws Exception {
    ZooKeeperConfigStore controller = store();
    CuratorFramework memberClient =
        CuratorFrameworkFactory.newClient(
            zookeeper.getConnectString(), new ExponentialBackoffRetry(100, 3));
    memberClient.start();
    ZooKeeperConfigStore member = new ZooKeeperConfigStore(memberClient, "demo");
    ZooKeeperConfigStore.Registration registration =
        member.register("responder-1", Map.of("revision", 1));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> controller.members().containsKey("responder-1"));
    registration.update(Map.of("revision", 2));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Integer.valueOf(2).equals(controller.members().get("responder-1").get("revision")));
    member.close();
    memberClient.close();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !controller.members().containsKey("responder-1"));
  }

  @Test
  void aSecondControllerTakesOverWhenTheFirstDies() throws Exception {
    CuratorFramework firstClient =
        CuratorFrameworkFactory.newClient(
            zookeeper.getConnectString(), new ExponentialBackoffRetry(100, 3));
    firstClient.start();
    ZooKeeperConfigStore first = new ZooKeeperConfigStore(firstClient, "demo");
    LeaderLatch firstLatch = first.controllerLatch("controller-a");
    await().atMost(Duration.ofSeconds(10)).until(firstLatch::hasLeadership);
    LeaderLatch secondLatch = store().controllerLatch("controller-b");
    assertTrue(!secondLatch.hasLeadership());
    first.close();
    firstClient.close();
    await().atMost(Duration.ofSeconds(20)).until(secondLatch::hasLeadership);
  }
}
