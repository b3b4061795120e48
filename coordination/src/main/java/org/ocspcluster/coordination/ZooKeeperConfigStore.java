package org.ocspcluster.coordination;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The array's store when it spans machines: revisions as znodes under {@code
 * /ocsp-cluster/CLUSTER}, through Apache Curator.
 *
 * <ul>
 *   <li>{@code revisions/NNNNNNNNNN}: one revision (JSON: the YAML, its folder, when, from what);
 *   <li>{@code current}: the number in force, changed only with a version check together with the
 *       new revision's creation (one transaction), so two controllers cannot interleave;
 *   <li>{@code proposals/NNNNNNNNNN}: a revision proposed and the participants' votes on it (see
 *       {@link Proposals});
 *   <li>{@code members/NAME}, {@code balancers/NAME}: each participant's ephemeral registration
 *       (revision it runs, status), gone when its session ends; {@code seen/KIND:NAME} keeps the
 *       last one, so that a participant that died is still shown (with when it was last seen);
 *   <li>{@code controller}: the leader latch that makes one controller the one that applies.
 * </ul>
 *
 * <p>Every call made for a person (status, history, apply) fails within a second with {@link
 * Unreachable} while the ZooKeeper session is not connected, instead of waiting out Curator's
 * retries.
 */
public final class ZooKeeperConfigStore implements ConfigStore, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CuratorFramework client;
  private final String base;
  private final List<AutoCloseable> opened = new ArrayList<>();

  private volatile boolean everConnected;

  public ZooKeeperConfigStore(CuratorFramework client, String cluster) {
    this.client = client;
    this.base = "/ocsp-cluster/" + cluster;
    client
        .getConnectionStateListenable()
        .addListener(
            (c, state) -> {
              if (state.isConnected()) {
                everConnected = true;
              }
            });
    everConnected = connected(); // it may have connected before the listener was added
  }

  /** ZooKeeper cannot be reached now; the message says where it was looked for. */
  public static final class Unreachable extends IOException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message) {
      super(message);
    }
  }

  /** Closes {@code part} (a cache, a registration) when this store closes. */
  void closeWithStore(AutoCloseable part) {
    opened.add(part);
  }

  CuratorFramework client() {
    return client;
  }

  String base() {
    return base;
  }

  /** Whether the ZooKeeper session is connected now. */
  public boolean connected() {
    return client.getZookeeperClient().isConnected();
  }

  /**
   * Throws {@link Unreachable} when the session is not connected: at once once it was connected and
   * got lost, within a second for a process that has not connected yet (it may be about to).
   */
  public void requireConnected() throws Unreachable {
    if (connected()) {
      everConnected = true;
      return;
    }
    boolean now = false;
    try {
      if (!everConnected) {
        now = client.blockUntilConnected(1, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      now = false;
    }
    if (!now) {
      throw new Unreachable(
          "ZooKeeper is unreachable ("
              + client.getZookeeperClient().getCurrentConnectionString()
              + ")");
    }
  }

  @Override
  public Optional<Revision> current() throws IOException {
    requireConnected();
    try {
      Stat stat = client.checkExists().forPath(base + "/current");
      if (stat == null) {
        return Optional.empty();
      }
      int number =
          Integer.parseInt(
              new String(client.getData().forPath(base + "/current"), StandardCharsets.US_ASCII));
      return get(number);
    } catch (Exception e) {
      throw io(e);
    }
  }

  @Override
  public Optional<Revision> get(int number) throws IOException {
    requireConnected();
    try {
      byte[] data = client.getData().forPath(base + "/revisions/" + name(number));
      return Optional.of(parse(number, data));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw io(e);
    }
  }

  @Override
  public List<Revision> history() throws IOException {
    requireConnected();
    try {
      if (client.checkExists().forPath(base + "/revisions") == null) {
        return List.of();
      }
      List<Revision> all = new ArrayList<>();
      List<String> names = new ArrayList<>(client.getChildren().forPath(base + "/revisions"));
      names.sort(String::compareTo);
      for (String n : names) {
        all.add(parse(Integer.parseInt(n), client.getData().forPath(base + "/revisions/" + n)));
      }
      return all;
    } catch (Exception e) {
      throw io(e);
    }
  }

  /**
   * Stores {@code yaml} as the next revision without asking the array's participants (an array
   * being set up, a test); the controller proposes through {@link Proposals} instead.
   */
  @Override
  public Revision append(String yaml, Path baseDir, String source) throws IOException {
    Proposals proposals = new Proposals(this);
    return proposals.commit(proposals.propose(yaml, baseDir, source));
  }

  /** Calls {@code onRevision} with the revision in force now, and again each time it changes. */
  public void watch(Consumer<Revision> onRevision) throws IOException {
    onCreatesAndChanges(
        base + "/current",
        after -> {
          try {
            int number = Integer.parseInt(new String(after.getData(), StandardCharsets.US_ASCII));
            get(number).ifPresent(onRevision);
          } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(ZooKeeperConfigStore.class)
                .warn("cannot read the new revision: {}", e.getMessage());
          }
        });
  }

  /**
   * Calls {@code onData} (on Curator's thread) for each node at or below {@code path} that exists
   * now or is created or changed later, until the store closes.
   */
  private void onCreatesAndChanges(
      String path, Consumer<org.apache.curator.framework.recipes.cache.ChildData> onData) {
    CuratorCache cache = CuratorCache.build(client, path);
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forCreatesAndChanges((before, after) -> onData.accept(after))
                .build());
    cache.start();
    opened.add(cache);
  }

  /**
   * Registers {@code member} with an ephemeral node that ZooKeeper removes when the member's
   * session ends (and Curator recreates after a reconnect); {@link Registration#update} changes
   * what it says.
   */
  public Registration register(String member, Map<String, Object> status) throws IOException {
    return register("members", member, status);
  }

  /**
   * Registers participant {@code name} of {@code kind} ("members" or "balancers"); each update is
   * also kept under {@code seen/} so that the participant is still shown after it dies.
   */
  public Registration register(String kind, String name, Map<String, Object> status)
      throws IOException {
    String seen = base + "/seen/" + Proposals.participant(kind, name);
    try {
      PersistentNode node =
          new PersistentNode(
              client,
              CreateMode.EPHEMERAL,
              false,
              base + "/" + kind + "/" + name,
              JSON.writeValueAsBytes(status));
      node.start();
      opened.add(node);
      Registration registration =
          next -> {
            if (!connected()) {
              return; // said again by the next heartbeat once ZooKeeper is back
            }
            try {
              byte[] data = JSON.writeValueAsBytes(next);
              try {
                node.setData(data);
              } catch (IllegalStateException notCreatedYet) {
                // PersistentNode creates it in the background; it is created with the first data
              }
              client
                  .create()
                  .orSetData()
                  .creatingParentContainersIfNeeded()
                  .inBackground()
                  .forPath(seen, data);
            } catch (Exception e) {
              throw io(e);
            }
          };
      registration.update(status);
      return registration;
    } catch (Exception e) {
      throw io(e);
    }
  }

  /** What a member's registration says; {@link #members()} reads them all. */
  @FunctionalInterface
  public interface Registration {
    void update(Map<String, Object> status) throws IOException;
  }

  /** Every registered member's status, by name. */
  public Map<String, Map<String, Object>> members() throws IOException {
    return registered("members");
  }

  /**
   * Every live registration under {@code kind} ("members", "balancers", or "seen" for the last word
   * of every participant ever registered, live or not), by name.
   */
  public Map<String, Map<String, Object>> registered(String kind) throws IOException {
    requireConnected();
    try {
      Map<String, Map<String, Object>> all = new LinkedHashMap<>();
      if (client.checkExists().forPath(base + "/" + kind) == null) {
        return all;
      }
      List<String> names = new ArrayList<>(client.getChildren().forPath(base + "/" + kind));
      names.sort(String::compareTo);
      for (String n : names) {
        try {
          @SuppressWarnings("unchecked")
          Map<String, Object> status =
              JSON.readValue(client.getData().forPath(base + "/" + kind + "/" + n), Map.class);
          all.put(n, status);
        } catch (KeeperException.NoNodeException gone) {
          // left while we were reading
        }
      }
      return all;
    } catch (Exception e) {
      throw io(e);
    }
  }

  /**
   * Appends one audit entry (JSON) under {@code audit/}, as a sequential znode, in the background;
   * false when ZooKeeper is unreachable now (the caller keeps it locally anyway).
   */
  public boolean appendAudit(byte[] entry) {
    if (!connected()) {
      return false;
    }
    try {
      client
          .create()
          .creatingParentContainersIfNeeded()
          .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
          .inBackground(
              (c, event) -> {
                String name = event.getName();
                long sequence =
                    name == null ? 0 : Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
                if (sequence > 0 && sequence % 100 == 0) {
                  trimAudit(sequence - AUDIT_KEPT);
                }
              })
          .forPath(base + "/audit/entry-", entry);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Refuses an array whose znodes anyone may read or change: one created without credentials (or by
   * someone else, before the array started), which a process with credentials must not trust.
   */
  public void requireOwnerOnly() throws IOException {
    requireConnected();
    try {
      for (String path : List.of(base, base + "/current", base + "/revisions")) {
        if (client.checkExists().forPath(path) == null) {
          continue;
        }
        for (org.apache.zookeeper.data.ACL acl : client.getACL().forPath(path)) {
          if (acl.getId().getScheme().equals("world")
              && (acl.getPerms()
                      & (org.apache.zookeeper.ZooDefs.Perms.READ
                          | org.apache.zookeeper.ZooDefs.Perms.WRITE))
                  != 0) {
            throw new IOException(
                path
                    + " is open to anyone who reaches ZooKeeper (it was created without"
                    + " credentials): run this array under a new --cluster name with"
                    + " --zookeeper-credentials from the start, or restrict it (zkCli.sh setAcl -R "
                    + base
                    + " auth::cdrwa)");
          }
        }
      }
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw io(e);
    }
  }

  /** How many audit entries the array keeps in ZooKeeper (each process's file keeps them all). */
  static final int AUDIT_KEPT = 10_000;

  /** Deletes the array's audit entries numbered below {@code below}, in the background. */
  private void trimAudit(long below) {
    try {
      for (String n : client.getChildren().forPath(base + "/audit")) {
        if (Long.parseLong(n.substring(n.lastIndexOf('-') + 1)) < below) {
          client.delete().inBackground().forPath(base + "/audit/" + n);
        }
      }
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(ZooKeeperConfigStore.class)
          .debug("audit entries not trimmed now: {}", e.getMessage());
    }
  }

  /** The array's last {@code limit} audit entries (JSON), oldest first. */
  public List<byte[]> audit(int limit) throws IOException {
    requireConnected();
    try {
      if (client.checkExists().forPath(base + "/audit") == null) {
        return List.of();
      }
      List<String> names = new ArrayList<>(client.getChildren().forPath(base + "/audit"));
      names.sort(String::compareTo);
      List<byte[]> entries = new ArrayList<>();
      for (String n : names.subList(Math.max(0, names.size() - limit), names.size())) {
        try {
          entries.add(client.getData().forPath(base + "/audit/" + n));
        } catch (KeeperException.NoNodeException gone) {
          // trimmed meanwhile
        }
      }
      return entries;
    } catch (Exception e) {
      throw io(e);
    }
  }

  /**
   * Records host or rule verb {@code verb} on {@code name} ({@code kind} "hosts" or "rules") for
   * every balancer of the array: {@code control/KIND/NAME} holds the last one, which each balancer
   * applies when it changes and again when it starts (so a stopped or suspended member stays so
   * across restarts and on balancers that join later).
   */
  public void recordControl(String kind, String name, String verb, String caller)
      throws IOException {
    requireConnected();
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("verb", verb);
    entry.put("by", caller);
    entry.put("at", Instant.now().toString());
    try {
      client
          .create()
          .orSetData()
          .creatingParentContainersIfNeeded()
          .forPath(base + "/control/" + kind + "/" + name, JSON.writeValueAsBytes(entry));
    } catch (Exception e) {
      throw io(e);
    }
  }

  /**
   * Calls {@code onControl} (kind, name, the verb, who asked) with every recorded host and rule
   * verb now, and with each one recorded later; on Curator's thread: hand it on.
   */
  public void watchControls(ControlListener onControl) {
    String root = base + "/control/";
    onCreatesAndChanges(
        base + "/control",
        after -> {
          String[] at =
              after.getPath().length() > root.length()
                  ? after.getPath().substring(root.length()).split("/")
                  : new String[0];
          if (at.length != 2 || after.getData() == null) {
            return;
          }
          try {
            Map<?, ?> entry = JSON.readValue(after.getData(), Map.class);
            onControl.recorded(at[0], at[1], (String) entry.get("verb"), (String) entry.get("by"));
          } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(ZooKeeperConfigStore.class)
                .warn("cannot read the control entry {}: {}", after.getPath(), e.getMessage());
          }
        });
  }

  /** A host or rule verb recorded for the array's balancers. */
  @FunctionalInterface
  public interface ControlListener {
    void recorded(String kind, String name, String verb, String by);
  }

  /** Joins the election of the controller; {@link LeaderLatch#hasLeadership()} says who won. */
  public LeaderLatch controllerLatch(String id) throws IOException {
    try {
      LeaderLatch latch = new LeaderLatch(client, base + "/controller", id);
      latch.start();
      opened.add(latch);
      return latch;
    } catch (Exception e) {
      throw io(e);
    }
  }

  @Override
  public void close() {
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception ignored) {
        // closing anyway
      }
    }
    opened.clear();
  }

  static byte[] body(Revision r) throws IOException {
    return JSON.writeValueAsBytes(fields(r));
  }

  static Map<String, Object> fields(Revision r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("yaml", r.yaml());
    m.put("baseDir", r.baseDir().toString());
    m.put("appliedAt", r.appliedAt().toString());
    m.put("source", r.source());
    return m;
  }

  static Revision parse(int number, byte[] data) throws IOException {
    Map<?, ?> m = JSON.readValue(data, Map.class);
    return new Revision(
        number,
        (String) m.get("yaml"),
        Path.of((String) m.get("baseDir")),
        Instant.parse((String) m.get("appliedAt")),
        (String) m.get("source"));
  }

  static String name(int number) {
    return String.format("%010d", number);
  }

  static IOException io(Exception e) {
    return e instanceof IOException io ? io : new IOException("ZooKeeper: " + e, e);
  }
}
