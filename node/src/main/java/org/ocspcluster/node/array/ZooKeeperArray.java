package org.ocspcluster.node.array;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.ocspcluster.coordination.ConfigStore;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperAccess;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.slf4j.LoggerFactory;

/** A process's connection to the array's ZooKeeper, and the revision a follower starts from. */
public final class ZooKeeperArray implements AutoCloseable {
  private final CuratorFramework client;
  private final ZooKeeperConfigStore store;
  private final String hosts;

  private final boolean authenticated;

  private ZooKeeperArray(
      CuratorFramework client, ZooKeeperConfigStore store, String hosts, boolean authenticated) {
    this.client = client;
    this.store = store;
    this.hosts = hosts;
    this.authenticated = authenticated;
  }

  /**
   * With credentials: refuses an array whose znodes anyone may read or change (created without
   * credentials, or planted before the array started). Waits up to 5 s for ZooKeeper; says nothing
   * when it cannot be reached (a member then starts from its local revision).
   */
  public void checkAccess() throws IOException {
    if (!authenticated) {
      return;
    }
    try {
      if (!client.blockUntilConnected(5, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    store.requireOwnerOnly();
  }

  /**
   * Connects (in the background; Curator retries) to the ensemble {@code hosts}, array {@code
   * cluster}.
   */
  public static ZooKeeperArray connect(String hosts, String cluster, ZooKeeperAccess access)
      throws IOException {
    CuratorFramework client = access.client(hosts);
    // One line per change of the ZooKeeper session, instead of ZooKeeper's own chatter.
    client
        .getConnectionStateListenable()
        .addListener(
            (c, state) ->
                LoggerFactory.getLogger(ZooKeeperArray.class)
                    .info("ZooKeeper {} ({})", state.name().toLowerCase(Locale.ROOT), hosts));
    client.start();
    return new ZooKeeperArray(
        client, new ZooKeeperConfigStore(client, cluster), hosts, access.credentials() != null);
  }

  public ZooKeeperConfigStore store() {
    return store;
  }

  /** The revision to start from, and where it came from. */
  public record Start(Optional<Revision> revision, String from) {}

  /**
   * The array's revision in force when ZooKeeper answers within 5 s and has one; else the last one
   * kept on local disk, so that a member starts and serves while ZooKeeper is down.
   */
  public Start startingRevision(ConfigStore local) throws IOException {
    checkAccess();
    boolean reached;
    try {
      reached = client.blockUntilConnected(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reached = false;
    }
    if (reached && store.current().isPresent()) {
      return new Start(store.current(), "the array");
    }
    return new Start(
        local.current(),
        "local disk (ZooKeeper at "
            + hosts
            + " "
            + (reached ? "has no revision yet" : "is unreachable")
            + ")");
  }

  /**
   * Keeps {@code start} as the local store's current revision, under the array's number, unless it
   * already is.
   */
  public static void keepLocally(FolderConfigStore local, Revision start) throws IOException {
    Optional<Revision> kept = local.current();
    if (kept.map(Revision::number).orElse(-1) != start.number()
        || !kept.get().yaml().equals(start.yaml())) {
      local.keep(start);
    }
  }

  @Override
  public void close() {
    store.close();
    client.close();
  }
}
