package org.ocspcluster.failover;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A helper program (keepalived, bird, the readiness watch) run beside the balancer for as long as
 * the front end runs: started again with a growing pause when it exits, its output logged line by
 * line under its name, stopped with SIGTERM (then SIGKILL after a grace period).
 *
 * <p>It is started through {@code setpriv --pdeathsig TERM} from a thread that lives exactly as
 * long as the supervision, so that if the balancer's JVM dies, even by {@code kill -9}, the kernel
 * sends the program SIGTERM and it leaves cleanly: keepalived gives the cluster IP up with a
 * priority-0 advert, bird closes its BGP sessions. Without that an orphaned keepalived would keep
 * the address for a balancer that no longer exists.
 */
final class Supervised implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervised.class);
  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  /** The engines' lines about a change of state or a problem; the rest (each ARP sent) is debug. */
  private static final java.util.regex.Pattern NOTABLE =
      java.util.regex.Pattern.compile(
          "(?i)(enter|leav|state|fault|error|warn|fail|unable|cannot|invalid|established|"
              + "down|started|stopp|shutdown|priority 0|balancer is)");

  private final String name;
  private final List<String> command;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Process process;
  private final java.util.concurrent.atomic.AtomicInteger starts =
      new java.util.concurrent.atomic.AtomicInteger();

  private Supervised(String name, List<String> command) {
    this.name = name;
    this.command = command;
    this.thread = new Thread(this::superviseLoop, "supervise-" + name);
    thread.setDaemon(true);
  }

  /** Starts {@code command} under supervision, on a thread of its own; returns at once. */
  static Supervised start(String name, List<String> command) {
    List<String> full = new ArrayList<>(List.of("setpriv", "--pdeathsig", "TERM"));
    full.addAll(command);
    Supervised s = new Supervised(name, List.copyOf(full));
    s.thread.start();
    return s;
  }

  String name() {
    return name;
  }

  /** Whether the program runs now. */
  boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** How many times it was started (1 when it never had to be started again). */
  int starts() {
    return starts.get();
  }

  private void superviseLoop() {
    Duration pause = FIRST_PAUSE;
    while (running) {
      long startedAt = System.nanoTime();
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        process = p;
        if (!running) {
          // stopped while starting: stop() did not see this process
          p.destroy();
          return;
        }
        starts.incrementAndGet();
        LOG.info("{} started (pid {}): {}", name, p.pid(), String.join(" ", command));
        Thread output = new Thread(() -> copyOutput(p), name + "-output");
        output.setDaemon(true);
        output.start();
        int code = p.waitFor();
        if (!running) {
          return;
        }
        LOG.warn(
            "{} exited with status {}; starting it again in {} ms", name, code, pause.toMillis());
      } catch (IOException e) {
        LOG.error(
            "{} cannot be started ({}): install it (Debian: apt install {}); trying again in {} ms",
            name,
            e.getMessage(),
            command.get(3),
            pause.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (System.nanoTime() - startedAt > LONGEST_PAUSE.toNanos()) {
        pause = FIRST_PAUSE;
      }
      try {
        // The only waiting here: a pause before a restart, on this supervision's own thread.
        TimeUnit.NANOSECONDS.sleep(pause.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      pause =
          pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0
              ? LONGEST_PAUSE
              : pause.multipliedBy(2);
    }
  }

  private void copyOutput(Process p) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (NOTABLE.matcher(line).find()) {
          LOG.info("{}: {}", name, line);
        } else {
          LOG.debug("{}: {}", name, line);
        }
      }
    } catch (IOException e) {
      LOG.debug("{}: output closed: {}", name, e.toString());
    }
  }

  /** Stops the program (SIGTERM, then SIGKILL after {@code grace}) and its supervision. */
  void stop(Duration grace) {
    running = false;
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("{} did not stop within {} ms of SIGTERM; killing it", name, grace.toMillis());
          p.destroyForcibly();
          p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      LOG.info("{} stopped", name);
    }
    thread.interrupt();
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(5));
  }
}
