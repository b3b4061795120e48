package org.ocspcluster.balancer.hosts;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.Member.HostState;
import org.ocspcluster.config.PortRule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's control of hosts and port rules, as {@code nlb.exe} has it: start, stop,
 * drainstop, suspend, resume per member; enable, disable, drain per rule. A suspended member stays
 * suspended across restarts when its {@code retainSuspended} says so (kept in the state file).
 * Every change is logged once, with what caused it.
 */
public final class HostControl {
  private static final Logger LOG = LoggerFactory.getLogger(HostControl.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What control needs of the connections. */
  public interface Connections {
    int active(String member);

    /** Closes the member's client connections; returns how many. */
    int closeMember(String member);

    /** Closes the rule's client connections; returns how many. */
    int closeRule(String rule);
  }

  private final Map<String, Member> members = new ConcurrentHashMap<>();
  private final Map<String, HostState> states = new ConcurrentHashMap<>();
  private final Map<String, RuleState> rules = new ConcurrentHashMap<>();
  private final Map<String, ScheduledFuture<?>> drains = new ConcurrentHashMap<>();
  private final Map<String, Long> memberStamps = new ConcurrentHashMap<>();
  private final Map<String, Long> ruleStamps = new ConcurrentHashMap<>();
  private final Path stateFile;
  private final Duration drainTimeout;
  private final ScheduledExecutorService timer;
  private final Connections connections;
  private volatile BiConsumer<String, RuleState> ruleListener = (rule, state) -> {};

  public HostControl(
      ClusterConfig config, ScheduledExecutorService timer, Connections connections) {
    this(config, config.balancer().stateFile(), timer, connections);
  }

  /** Host states kept in {@code stateFile} (null: not kept). */
  public HostControl(
      ClusterConfig config,
      Path stateFile,
      ScheduledExecutorService timer,
      Connections connections) {
    this.stateFile = stateFile;
    this.drainTimeout = config.balancer().drainTimeout();
    this.timer = timer;
    this.connections = connections;
    Set<String> suspended = readSuspended();
    for (Member m : config.members()) {
      members.put(m.name(), m);
      HostState initial =
          m.retainSuspended() && suspended.contains(m.name())
              ? HostState.SUSPENDED
              : m.initialState();
      states.put(m.name(), initial);
      if (initial != HostState.STARTED) {
        LOG.info(
            "{} {} at start ({})",
            m.name(),
            initial,
            initial == HostState.SUSPENDED && suspended.contains(m.name())
                ? "suspended before the restart"
                : "initialState");
      }
    }
    for (PortRule r : config.portRules()) {
      rules.put(r.name(), RuleState.ENABLED);
    }
  }

  /** A member added by a new revision: it starts in its initialState. */
  public synchronized void addMember(Member m) {
    members.put(m.name(), m);
    if (states.putIfAbsent(m.name(), m.initialState()) == null) {
      LOG.info("{} joined the cluster, {}", m.name(), m.initialState());
    }
  }

  /** A member a new revision removed: its connections are closed. */
  public synchronized void removeMember(String name) {
    cancelDrain(name);
    if (states.remove(name) != null) {
      int closed = connections.closeMember(name);
      LOG.info("{} left the cluster; {} connection(s) closed", name, closed);
    }
  }

  /** Called with (rule, new state) whenever a rule's state changes, so listeners follow it. */
  public void onRuleChange(BiConsumer<String, RuleState> listener) {
    this.ruleListener = listener;
  }

  public HostState state(String member) {
    return states.get(member);
  }

  public RuleState ruleState(String rule) {
    return rules.get(rule);
  }

  /** True when the member may take new connections (health permitting). */
  public boolean takesNewConnections(String member) {
    return states.get(member) == HostState.STARTED;
  }

  public synchronized String start(String member) {
    HostState now = existing(member);
    if (now == HostState.SUSPENDED) {
      throw new IllegalStateException(member + " is suspended; resume it first");
    }
    if (now == HostState.STARTED) {
      return member + " is already started";
    }
    cancelDrain(member);
    change(member, HostState.STARTED, "start");
    stamp(member);
    return member + " started";
  }

  public synchronized String stop(String member) {
    HostState now = existing(member);
    if (now == HostState.SUSPENDED) {
      throw new IllegalStateException(member + " is suspended; resume it first");
    }
    cancelDrain(member);
    change(member, HostState.STOPPED, "stop");
    stamp(member);
    int closed = connections.closeMember(member);
    return member + " stopped; " + closed + " connection(s) closed";
  }

  public synchronized String drainstop(String member) {
    HostState now = existing(member);
    if (now == HostState.SUSPENDED) {
      throw new IllegalStateException(member + " is suspended; resume it first");
    }
    if (now == HostState.STOPPED) {
      return member + " is already stopped";
    }
    if (now == HostState.DRAINING) {
      return member + " is already draining";
    }
    int open = connections.active(member);
    change(
        member,
        HostState.DRAINING,
        "drainstop: "
            + open
            + " connection(s) open, closed at the latest in "
            + drainTimeout.toSeconds()
            + " s");
    stamp(member);
    long started = System.nanoTime();
    drains.put(
        member,
        timer.scheduleWithFixedDelay(
            () -> checkDrain(member, started), 100, 100, TimeUnit.MILLISECONDS));
    return member + " draining: " + open + " connection(s) open";
  }

  public synchronized String suspend(String member) {
    existing(member);
    cancelDrain(member);
    change(member, HostState.SUSPENDED, "suspend");
    stamp(member);
    int closed = connections.closeMember(member);
    persist();
    return member + " suspended; " + closed + " connection(s) closed";
  }

  public synchronized String resume(String member) {
    HostState now = existing(member);
    if (now != HostState.SUSPENDED) {
      return member + " is not suspended (" + now + ")";
    }
    change(member, HostState.STOPPED, "resume (start it to take traffic)");
    stamp(member);
    persist();
    return member + " resumed, now stopped; start it to take traffic";
  }

  public synchronized String enable(String rule) {
    existingRule(rule);
    changeRule(rule, RuleState.ENABLED);
    stampRule(rule);
    return "rule " + rule + " enabled";
  }

  public synchronized String disable(String rule) {
    existingRule(rule);
    changeRule(rule, RuleState.DISABLED);
    stampRule(rule);
    int closed = connections.closeRule(rule);
    return "rule " + rule + " disabled; " + closed + " connection(s) closed";
  }

  public synchronized String drain(String rule) {
    existingRule(rule);
    changeRule(rule, RuleState.DRAINING);
    stampRule(rule);
    return "rule " + rule + " draining: new connections refused, open ones continue";
  }

  private void checkDrain(String member, long started) {
    synchronized (this) {
      if (states.get(member) != HostState.DRAINING) {
        cancelDrain(member);
        return;
      }
      if (connections.active(member) == 0) {
        cancelDrain(member);
        change(member, HostState.STOPPED, "drained: no connection left");
      } else if (System.nanoTime() - started >= drainTimeout.toNanos()) {
        cancelDrain(member);
        int closed = connections.closeMember(member);
        change(member, HostState.STOPPED, "drain timeout: " + closed + " connection(s) closed");
      }
    }
  }

  /**
   * When an operator last changed the member's state here (epoch ms; 0: not since this process
   * started). Front ends compare these to take the newest change from each other.
   */
  public long changedAt(String member) {
    return memberStamps.getOrDefault(member, 0L);
  }

  /** When an operator last changed the rule's state here (epoch ms; 0: not since start). */
  public long ruleChangedAt(String rule) {
    return ruleStamps.getOrDefault(rule, 0L);
  }

  /**
   * Records that the member's state in force was set at {@code at} (by another front end), so that
   * it is not taken back from an older change.
   */
  public void stamped(String member, long at) {
    memberStamps.put(member, at);
  }

  /** As {@link #stamped}, for a rule. */
  public void ruleStamped(String rule, long at) {
    ruleStamps.put(rule, at);
  }

  private void stamp(String member) {
    memberStamps.put(member, System.currentTimeMillis());
  }

  private void stampRule(String rule) {
    ruleStamps.put(rule, System.currentTimeMillis());
  }

  private void cancelDrain(String member) {
    ScheduledFuture<?> drain = drains.remove(member);
    if (drain != null) {
      drain.cancel(false);
    }
  }

  private HostState existing(String member) {
    HostState s = states.get(member);
    if (s == null) {
      throw new IllegalArgumentException(
          rules.containsKey(member)
              ? "\""
                  + member
                  + "\" is a port rule, not a member: the rule verbs are enable, disable and drain"
              : "no member \"" + member + "\"; members are " + new TreeSet<>(states.keySet()));
    }
    return s;
  }

  private void existingRule(String rule) {
    if (!rules.containsKey(rule)) {
      throw new IllegalArgumentException(
          states.containsKey(rule)
              ? "\""
                  + rule
                  + "\" is a member, not a port rule: the member verbs are start, stop,"
                  + " drainstop, suspend and resume"
              : "no port rule \"" + rule + "\"; rules are " + new TreeSet<>(rules.keySet()));
    }
  }

  private void change(String member, HostState state, String why) {
    HostState before = states.put(member, state);
    if (before != state) {
      LOG.info("{} {}: {}", member, state, why);
    }
  }

  private void changeRule(String rule, RuleState state) {
    RuleState before = rules.put(rule, state);
    if (before != state) {
      LOG.info("rule {} {}", rule, state);
      ruleListener.accept(rule, state);
    }
  }

  private Set<String> readSuspended() {
    if (stateFile == null || !Files.isRegularFile(stateFile)) {
      return Set.of();
    }
    try {
      Map<?, ?> saved = JSON.readValue(stateFile.toFile(), Map.class);
      Object list = saved.get("suspended");
      Set<String> names = new TreeSet<>();
      if (list instanceof List<?> l) {
        l.forEach(o -> names.add(String.valueOf(o)));
      }
      return names;
    } catch (IOException e) {
      LOG.warn(
          "host state file {} cannot be read, starting from initialState: {}",
          stateFile,
          e.getMessage());
      return Set.of();
    }
  }

  /** Writes the suspended members atomically (write, fsync, rename). */
  private void persist() {
    if (stateFile == null) {
      return;
    }
    Set<String> suspended = new TreeSet<>();
    states.forEach(
        (name, state) -> {
          if (state == HostState.SUSPENDED && members.get(name).retainSuspended()) {
            suspended.add(name);
          }
        });
    try {
      Files.createDirectories(stateFile.toAbsolutePath().getParent());
      Path temp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
      try (var channel =
          java.nio.channels.FileChannel.open(
              temp,
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
              java.nio.file.StandardOpenOption.WRITE)) {
        channel.write(
            java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(Map.of("suspended", suspended))));
        channel.force(true);
      }
      Files.move(
          temp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn(
          "cannot keep the suspended state in {}: {} (it will not survive a restart)",
          stateFile,
          e.getMessage());
    }
  }
}
