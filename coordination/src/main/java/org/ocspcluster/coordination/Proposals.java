package org.ocspcluster.coordination;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Confirmed revisions for an array on ZooKeeper: the leading controller proposes revision N (znode
 * {@code proposals/N}, created only while {@code current} is still the version it read); every live
 * participant (the members' and balancers' ephemeral registrations) loads it beside the one in
 * force and votes ({@code proposals/N/PARTICIPANT}: prepared, or refused with the reason); when all
 * have prepared, one transaction stores {@code revisions/N}, moves {@code current} and marks the
 * proposal committed, and every participant switches; otherwise the proposal is marked aborted and
 * nothing changes anywhere. ZooKeeper orders and keeps all of it; nothing here is a consensus
 * protocol of its own.
 */
public final class Proposals {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How a proposal ended: committed or aborted. */
  public enum State {
    PROPOSED,
    COMMITTED,
    ABORTED
  }

  /**
   * A proposal in flight: the revision, its id (unique: a number aborted and proposed again is
   * another proposal, and a late vote or decision for the old one never counts for the new), the
   * version of {@code current} it follows, the participants that were live when it was made.
   */
  public record Proposal(
      Revision revision, String id, int currentVersion, Set<String> participants) {}

  /** A proposal as a participant sees it: the revision and the proposal's id. */
  public record Proposed(Revision revision, String id) {}

  /**
   * What the participants answered: {@code refused} maps each refusing participant to its reason,
   * {@code missing} lists those that gave no answer in time (while still registered).
   */
  public record Votes(Set<String> prepared, Map<String, String> refused, Set<String> missing) {
    public boolean allPrepared() {
      return refused.isEmpty() && missing.isEmpty();
    }
  }

  /** A proposal still open this long after it was made lost its controller; it may be replaced. */
  static final Duration ABANDONED_AFTER = Duration.ofMinutes(2);

  private final ZooKeeperConfigStore store;
  private final CuratorFramework client;
  private final String dir;

  public Proposals(ZooKeeperConfigStore store) {
    this.store = store;
    this.client = store.client();
    this.dir = store.base() + "/proposals";
  }

  // ------------------------------------------------------------------ the controller's side

  /**
   * Proposes {@code yaml} as the next revision, numbered after the one in force. Fails when another
   * proposal is in flight or {@code current} moved meanwhile.
   */
  public Proposal propose(String yaml, Path baseDir, String source) throws IOException {
    store.requireConnected();
    try {
      client.createContainers(dir);
      Stat stat = client.checkExists().forPath(store.base() + "/current");
      int number = store.current().map(Revision::number).orElse(0) + 1;
      for (Revision r : store.history()) {
        number = Math.max(number, r.number() + 1);
      }
      String path = dir + "/" + ZooKeeperConfigStore.name(number);
      Stat old = client.checkExists().forPath(path);
      if (old != null) {
        byte[] data = client.getData().forPath(path);
        boolean abandoned =
            ZooKeeperConfigStore.parse(number, data)
                .appliedAt()
                .isBefore(Instant.now().minus(ABANDONED_AFTER));
        if (state(data) == State.PROPOSED && !abandoned) {
          throw new IOException(
              "revision "
                  + number
                  + " is being proposed by another controller; try again in a few seconds");
        }
        client.delete().guaranteed().deletingChildrenIfNeeded().forPath(path);
      }
      Set<String> participants = participants();
      Revision revision =
          new Revision(number, yaml, baseDir.toAbsolutePath().normalize(), Instant.now(), source);
      String id = java.util.UUID.randomUUID().toString();
      byte[] body = body(revision, id, State.PROPOSED, null);
      if (stat == null) {
        client.create().forPath(path, body);
      } else {
        client
            .transaction()
            .forOperations(
                client
                    .transactionOp()
                    .check()
                    .withVersion(stat.getVersion())
                    .forPath(store.base() + "/current"),
                client.transactionOp().create().forPath(path, body));
      }
      return new Proposal(revision, id, stat == null ? -1 : stat.getVersion(), participants);
    } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException raced) {
      throw new IOException(
          "another controller changed the array at the same moment; try again", raced);
    } catch (Exception e) {
      throw ZooKeeperConfigStore.io(e);
    }
  }

  /**
   * Waits until every participant of {@code p} that is still registered has voted, one has refused,
   * or {@code timeout} passes; ZooKeeper's watches wake the wait, nothing polls.
   */
  public Votes awaitVotes(Proposal p, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String path = dir + "/" + ZooKeeperConfigStore.name(p.revision().number());
    try {
      while (true) {
        CountDownLatch changed = new CountDownLatch(1);
        CuratorWatcher wake = event -> changed.countDown();
        Set<String> live = new LinkedHashSet<>();
        for (String kind : List.of("members", "balancers")) {
          String parent = store.base() + "/" + kind;
          client.createContainers(parent);
          for (String n : client.getChildren().usingWatcher(wake).forPath(parent)) {
            live.add(participant(kind, n));
          }
        }
        Set<String> prepared = new LinkedHashSet<>();
        Map<String, String> refused = new TreeMap<>();
        for (String voter : client.getChildren().usingWatcher(wake).forPath(path)) {
          Map<?, ?> vote = JSON.readValue(client.getData().forPath(path + "/" + voter), Map.class);
          if (!p.id().equals(vote.get("proposal"))) {
            continue; // a late vote on an earlier proposal of the same number
          }
          if (Boolean.TRUE.equals(vote.get("prepared"))) {
            prepared.add(voter);
          } else {
            refused.put(voter, String.valueOf(vote.get("reason")));
          }
        }
        Set<String> missing = new LinkedHashSet<>(p.participants());
        missing.retainAll(live);
        missing.removeAll(prepared);
        missing.removeAll(refused.keySet());
        long left = deadline - System.nanoTime();
        if (missing.isEmpty() || left <= 0) {
          return new Votes(prepared, refused, missing);
        }
        // Woken by a vote or a registration, or at the deadline: look once more either way.
        changed.await(left, TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the participants", e);
    } catch (Exception e) {
      throw ZooKeeperConfigStore.io(e);
    }
  }

  /**
   * Stores revision {@code p} and makes it current, in one transaction with marking the proposal
   * committed; fails (and nothing is stored) when {@code current} moved since the proposal.
   */
  public Revision commit(Proposal p) throws IOException {
    Revision r = p.revision();
    String path = dir + "/" + ZooKeeperConfigStore.name(r.number());
    String current = store.base() + "/current";
    byte[] pointer = Integer.toString(r.number()).getBytes(StandardCharsets.US_ASCII);
    try {
      client.createContainers(store.base() + "/revisions");
      var ops = client.transactionOp();
      client
          .transaction()
          .forOperations(
              ops.create()
                  .forPath(
                      store.base() + "/revisions/" + ZooKeeperConfigStore.name(r.number()),
                      ZooKeeperConfigStore.body(r)),
              p.currentVersion() < 0
                  ? ops.create().forPath(current, pointer)
                  : ops.setData().withVersion(p.currentVersion()).forPath(current, pointer),
              ops.setData().forPath(path, body(r, p.id(), State.COMMITTED, null)));
      forgetOld(r.number());
      return r;
    } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException raced) {
      if (committed(p)) {
        forgetOld(r.number());
        return r; // a retry after a lost connection found its own first attempt done
      }
      throw new IOException(
          "another controller changed the array while revision "
              + r.number()
              + " was being prepared; nothing was stored",
          raced);
    } catch (Exception e) {
      throw ZooKeeperConfigStore.io(e);
    }
  }

  /** Whether proposal {@code p} itself is the one committed (its id on the committed node). */
  private boolean committed(Proposal p) {
    try {
      Map<?, ?> m =
          JSON.readValue(
              client
                  .getData()
                  .forPath(dir + "/" + ZooKeeperConfigStore.name(p.revision().number())),
              Map.class);
      return p.id().equals(m.get("id")) && State.COMMITTED.name().equals(m.get("state"));
    } catch (Exception e) {
      return false;
    }
  }

  /** Marks proposal {@code p} aborted: every participant drops what it prepared. */
  public void abort(Proposal p, String why) throws IOException {
    Revision r = p.revision();
    try {
      client
          .setData()
          .forPath(
              dir + "/" + ZooKeeperConfigStore.name(r.number()),
              body(r, p.id(), State.ABORTED, why));
    } catch (Exception e) {
      throw ZooKeeperConfigStore.io(e);
    }
  }

  /** Keeps the last few proposals (what was refused, and why) and deletes older ones. */
  private void forgetOld(int number) {
    try {
      for (String n : client.getChildren().forPath(dir)) {
        if (Integer.parseInt(n) < number - 20) {
          client.delete().guaranteed().deletingChildrenIfNeeded().forPath(dir + "/" + n);
        }
      }
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(Proposals.class)
          .debug("old proposals not deleted now: {}", e.getMessage());
    }
  }

  // ------------------------------------------------------------------ a participant's side

  /**
   * Calls {@code onProposal} (on Curator's event thread: hand it on) with each revision proposed
   * from now on, and with one still open when this starts. The watch ends when the store closes.
   */
  public void watch(Consumer<Proposed> onProposal) throws IOException {
    try {
      client.createContainers(dir);
    } catch (Exception e) {
      throw ZooKeeperConfigStore.io(e);
    }
    CuratorCache cache = CuratorCache.build(client, dir);
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forCreates(
                    created -> {
                      String rest = created.getPath().substring(dir.length());
                      if (rest.lastIndexOf('/') != 0 || created.getData() == null) {
                        return; // the folder itself, or a vote
                      }
                      try {
                        if (state(created.getData()) == State.PROPOSED) {
                          onProposal.accept(
                              new Proposed(
                                  ZooKeeperConfigStore.parse(
                                      Integer.parseInt(rest.substring(1)), created.getData()),
                                  id(created.getData())));
                        }
                      } catch (IOException | RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(Proposals.class)
                            .warn("cannot read proposal {}: {}", rest, e.getMessage());
                      }
                    })
                .build());
    cache.start();
    store.closeWithStore(cache);
  }

  /** {@code participant}'s vote on revision {@code number}: prepared, or refused for reason. */
  public void vote(int number, String id, String participant, String refusedBecause)
      throws IOException {
    Map<String, Object> vote = new LinkedHashMap<>();
    vote.put("proposal", id);
    vote.put("prepared", refusedBecause == null);
    if (refusedBecause != null) {
      vote.put("reason", refusedBecause);
    }
    vote.put("at", Instant.now().toString());
    String path = dir + "/" + ZooKeeperConfigStore.name(number) + "/" + participant;
    try {
      byte[] data = JSON.writeValueAsBytes(vote);
      try {
        client.create().forPath(path, data);
      } catch (KeeperException.NodeExistsException again) {
        client.setData().forPath(path, data);
      }
    } catch (Exception e) {
      throw ZooKeeperConfigStore.io(e);
    }
  }

  /**
   * Waits up to {@code timeout} for the decision on revision {@code number}: COMMITTED, ABORTED, or
   * PROPOSED when none came in time (the participant then drops what it prepared and takes the
   * revision later, if it was committed, like one that was down).
   */
  public State awaitDecision(int number, String id, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String path = dir + "/" + ZooKeeperConfigStore.name(number);
    try {
      while (true) {
        CountDownLatch changed = new CountDownLatch(1);
        byte[] data;
        try {
          data =
              client
                  .getData()
                  .usingWatcher((CuratorWatcher) event -> changed.countDown())
                  .forPath(path);
        } catch (KeeperException.NoNodeException gone) {
          return State.ABORTED;
        }
        if (!id.equals(id(data))) {
          return State.ABORTED; // replaced by another proposal of the same number
        }
        State state = state(data);
        long left = deadline - System.nanoTime();
        if (state != State.PROPOSED || left <= 0) {
          return state;
        }
        changed.await(left, TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return State.PROPOSED;
    } catch (Exception e) {
      throw ZooKeeperConfigStore.io(e);
    }
  }

  /** Why proposal {@code number} was aborted, as the controller recorded it. */
  public String abortReason(int number) {
    try {
      Map<?, ?> m =
          JSON.readValue(
              client.getData().forPath(dir + "/" + ZooKeeperConfigStore.name(number)), Map.class);
      return String.valueOf(m.get("abortedBecause"));
    } catch (Exception e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** Every registered participant: {@code member:NAME} and {@code balancer:NAME}. */
  public Set<String> participants() throws IOException {
    Set<String> all = new LinkedHashSet<>();
    try {
      for (String kind : List.of("members", "balancers")) {
        String parent = store.base() + "/" + kind;
        if (client.checkExists().forPath(parent) != null) {
          for (String n : client.getChildren().forPath(parent)) {
            all.add(participant(kind, n));
          }
        }
      }
    } catch (Exception e) {
      throw ZooKeeperConfigStore.io(e);
    }
    return all;
  }

  /** The participant's name in votes: {@code member:NAME} or {@code balancer:NAME}. */
  public static String participant(String kind, String name) {
    return (kind.equals("members") ? "member:" : "balancer:") + name;
  }

  private static State state(byte[] data) throws IOException {
    Map<?, ?> m = JSON.readValue(data, Map.class);
    return State.valueOf(String.valueOf(m.get("state")));
  }

  private static String id(byte[] data) throws IOException {
    return String.valueOf(JSON.readValue(data, Map.class).get("id"));
  }

  private static byte[] body(Revision r, String id, State state, String why) throws IOException {
    Map<String, Object> m = ZooKeeperConfigStore.fields(r);
    m.put("id", id);
    m.put("state", state.name());
    if (why != null) {
      m.put("abortedBecause", why);
    }
    return JSON.writeValueAsBytes(m);
  }
}
