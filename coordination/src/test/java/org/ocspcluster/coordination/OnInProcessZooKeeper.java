package org.ocspcluster.coordination;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests against Curator's in-process ZooKeeper server (a real ZooKeeper, run inside the test JVM),
 * one per test; {@link #store()} is one more process's view of array "demo".
 */
abstract class OnInProcessZooKeeper {
  @TempDir Path dir;
  TestingServer zookeeper;
  final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startZooKeeper() throws Exception {
    zookeeper = new TestingServer(true);
  }

  @AfterEach
  void stopZooKeeper() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    zookeeper.close();
  }

  ZooKeeperConfigStore store() {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(
            zookeeper.getConnectString(), new ExponentialBackoffRetry(100, 3));
    client.start();
    toClose.add(client);
    ZooKeeperConfigStore store = new ZooKeeperConfigStore(client, "demo");
    toClose.add(store);
    return store;
  }
}
