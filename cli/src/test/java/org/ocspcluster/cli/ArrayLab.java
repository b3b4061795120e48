package org.ocspcluster.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.Node;

/**
 * The processes of an array on one ZooKeeper, each in this JVM with its own Curator session:
 * controllers, members and balancers, wired as {@code controller}, {@code member} and {@code
 * balancer --zookeeper} wire them. Closes all of them, last started first.
 */
final class ArrayLab implements AutoCloseable {
  final String connect;
  final String cluster;
  final Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  ArrayLab(String connect, String cluster, Path dir) {
    this.connect = connect;
    this.cluster = cluster;
    this.dir = dir;
  }

  ZooKeeperConfigStore store() {
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(connect, new ExponentialBackoffRetry(100, 3));
    client.start();
    toClose.add(client);
    ZooKeeperConfigStore store = new ZooKeeperConfigStore(client, cluster);
    toClose.add(store);
    return store;
  }

  Node controller(int adminPort, String id) throws Exception {
    Node controller = new Node(null);
    toClose.add(controller);
    controller.auditTo(dir.resolve("controller-" + id).resolve("audit.jsonl"));
    controller.controlArray(store(), id);
    controller.startAdmin(new InetSocketAddress("127.0.0.1", adminPort));
    return controller;
  }

  /** A member process starting from {@code start}, keeping its revisions in member-NAME. */
  Node member(String name, Revision start) throws Exception {
    Node member = new Node(ConfigLoader.parse(start.anchor(), start.yaml()));
    toClose.add(member);
    member.startMember(name, null);
    member.startAt(start.number());
    FolderConfigStore local = local("member-" + name);
    local.keep(start);
    member.startAdmin(new InetSocketAddress("127.0.0.1", Clients.freePorts(1)[0]));
    member.followArray(store(), local, null);
    registered("members", name);
    return member;
  }

  /** A balancer process following the array as {@code name}. */
  Node balancer(String name, Revision start) throws Exception {
    Node balancer = new Node(ConfigLoader.parse(start.anchor(), start.yaml()));
    toClose.add(balancer);
    balancer.startBalancer();
    balancer.startAt(start.number());
    FolderConfigStore local = local("balancer-" + name);
    local.keep(start);
    balancer.followArray(store(), local, name);
    registered("balancers", name);
    return balancer;
  }

  /**
   * Waits until ZooKeeper has the participant's registration (made in the background), as a process
   * that has started would have it by the time anyone applies.
   */
  private void registered(String kind, String name) {
    ZooKeeperConfigStore view = store();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> view.registered(kind).containsKey(name));
  }

  /** Closes {@code part} with the rest. */
  <T extends AutoCloseable> T adopt(T part) {
    toClose.add(part);
    return part;
  }

  FolderConfigStore local(String name) {
    return new FolderConfigStore(dir.resolve(name));
  }

  @Override
  public void close() {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception ignored) {
        // closing anyway
      }
    }
    toClose.clear();
  }
}
