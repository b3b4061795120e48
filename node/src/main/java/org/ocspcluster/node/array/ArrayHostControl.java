package org.ocspcluster.node.array;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.ocspcluster.balancer.hosts.HostControl;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A balancer's share of the array's host and rule verbs: the verbs recorded on the controller
 * (stop, suspend, drain a rule, ...) are applied to this balancer's {@link HostControl} as they are
 * recorded and, at start, the last one recorded for each member and rule, so every balancer of the
 * array holds the same host states, and keeps them across restarts.
 */
public final class ArrayHostControl implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ArrayHostControl.class);

  private final ExecutorService apply =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "array-host-control");
            t.setDaemon(true);
            return t;
          });

  public ArrayHostControl(ZooKeeperConfigStore array, HostControl control) {
    array.watchControls(
        (kind, name, verb, by) -> apply.execute(() -> apply(control, kind, name, verb, by)));
  }

  private static void apply(HostControl control, String kind, String name, String verb, String by) {
    try {
      String said = run(control, kind, name, verb);
      LOG.info("{} {} from the array (asked by {}): {}", verb, name, by, said);
    } catch (IllegalArgumentException | IllegalStateException e) {
      LOG.warn(
          "{} {} from the array (asked by {}) not applied here: {}",
          verb,
          name,
          by,
          e.getMessage());
    }
  }

  /** Runs {@code verb} on {@code name}; throws for a verb or name this balancer does not know. */
  static String run(HostControl control, String kind, String name, String verb) {
    return switch (kind + "/" + verb) {
      case "hosts/start" -> control.start(name);
      case "hosts/stop" -> control.stop(name);
      case "hosts/drainstop" -> control.drainstop(name);
      case "hosts/suspend" -> control.suspend(name);
      // Resume leaves a suspended member stopped; replayed on a balancer that starts afresh
      // (nothing suspended there), it reaches the same state.
      case "hosts/resume" ->
          control.state(name) == org.ocspcluster.config.Member.HostState.SUSPENDED
              ? control.resume(name)
              : control.stop(name);
      case "rules/enable" -> control.enable(name);
      case "rules/disable" -> control.disable(name);
      case "rules/drain" -> control.drain(name);
      default -> throw new IllegalArgumentException("unknown verb " + kind + "/" + verb);
    };
  }

  @Override
  public void close() {
    apply.shutdownNow();
  }
}
