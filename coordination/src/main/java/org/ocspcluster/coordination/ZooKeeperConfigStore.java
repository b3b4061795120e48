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
 *   <li>{@code members/NAME}: each member's ephemeral registration (revision it runs, status), gone
 *       when the member's session ends;
 *   <li>{@code controller}: the leader latch that makes one controller the one that applies.
 * </ul>
 */
public final class ZooKeeperConfigStore implements ConfigStore, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CuratorFramework client;
  private final String base;
  private final List<AutoCloseable> opened = new ArrayList<>();

  public ZooKeeperConfigStore(CuratorFramework client, String cluster) {
    this.client = client;
    this.base = "/ocsp-cluster/" + cluster;
  }

  @Override
  public Optional<Revision> current() throws IOException {
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

  @Override
  public Revision append(String yaml, Path baseDir, String source) throws IOException {
    for (int attempt = 0; attempt < 10; attempt++) {
      try {
        client.createContainers(base + "/revisions");
        Stat stat = client.checkExists().forPath(base + "/current");
        int number = 1;
        if (stat != null) {
          number =
              Integer.parseInt(
                      new String(
                          client.getData().forPath(base + "/current"), StandardCharsets.US_ASCII))
                  + 1;
          List<String> existing = client.getChildren().forPath(base + "/revisions");
          for (String n : existing) {
            number = Math.max(number, Integer.parseInt(n) + 1);
          }
        }
        Revision revision =
            new Revision(number, yaml, baseDir.toAbsolutePath().normalize(), Instant.now(), source);
        byte[] body =
            JSON.writeValueAsBytes(
                Map.of(
                    "yaml",
                    yaml,
                    "baseDir",
                    revision.baseDir().toString(),
                    "appliedAt",
                    revision.appliedAt().toString(),
                    "source",
                    source));
        byte[] pointer = Integer.toString(number).getBytes(StandardCharsets.US_ASCII);
        if (stat == null) {
          client
              .transaction()
              .forOperations(
                  client
                      .transactionOp()
                      .create()
                      .forPath(base + "/revisions/" + name(number), body),
                  client.transactionOp().create().forPath(base + "/current", pointer));
        } else {
          client
              .transaction()
              .forOperations(
                  client
                      .transactionOp()
                      .create()
                      .forPath(base + "/revisions/" + name(number), body),
                  client
                      .transactionOp()
                      .setData()
                      .withVersion(stat.getVersion())
                      .forPath(base + "/current", pointer));
        }
        return revision;
      } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException raced) {
        // Another controller appended at the same moment: read again and retry.
      } catch (Exception e) {
        throw io(e);
      }
    }
    throw new IOException(
        "could not append a revision after 10 attempts (another controller keeps appending)");
  }

  /** Calls {@code onRevision} with the revision in force now, and again each time it changes. */
  public void watch(Consumer<Revision> onRevision) throws IOException {
    CuratorCache cache = CuratorCache.build(client, base + "/current");
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forCreatesAndChanges(
                    (before, after) -> {
                      try {
                        int number =
                            Integer.parseInt(
                                new String(after.getData(), StandardCharsets.US_ASCII));
                        get(number).ifPresent(onRevision);
                      } catch (IOException | RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(ZooKeeperConfigStore.class)
                            .warn("cannot read the new revision: {}", e.getMessage());
                      }
                    })
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
    try {
      PersistentNode node =
          new PersistentNode(
              client,
              CreateMode.EPHEMERAL,
              false,
              base + "/members/" + member,
              JSON.writeValueAsBytes(status));
      node.start();
      opened.add(node);
      return next -> {
        try {
          node.setData(JSON.writeValueAsBytes(next));
        } catch (Exception e) {
          throw io(e);
        }
      };
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
    try {
      Map<String, Map<String, Object>> all = new LinkedHashMap<>();
      if (client.checkExists().forPath(base + "/members") == null) {
        return all;
      }
      List<String> names = new ArrayList<>(client.getChildren().forPath(base + "/members"));
      names.sort(String::compareTo);
      for (String n : names) {
        try {
          @SuppressWarnings("unchecked")
          Map<String, Object> status =
              JSON.readValue(client.getData().forPath(base + "/members/" + n), Map.class);
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

  private static Revision parse(int number, byte[] data) throws IOException {
    Map<?, ?> m = JSON.readValue(data, Map.class);
    return new Revision(
        number,
        (String) m.get("yaml"),
        Path.of((String) m.get("baseDir")),
        Instant.parse((String) m.get("appliedAt")),
        (String) m.get("source"));
  }

  private static String name(int number) {
    return String.format("%010d", number);
  }

  private static IOException io(Exception e) {
    return e instanceof IOException io ? io : new IOException("ZooKeeper: " + e, e);
  }
}
