package org.ocspcluster.benchmarks.endtoend;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The processes the harness starts (cluster members, the balancer, HAProxy, nginx, openssl): each
 * logs to its own file, and all are stopped when the harness ends, however it ends.
 */
public final class Processes implements AutoCloseable {
  private static final long TICKS_PER_SECOND = 100; // Linux USER_HZ

  private final Path logs;
  private final List<Process> started = new ArrayList<>();
  private final java.util.Map<String, Process> byName =
      new java.util.concurrent.ConcurrentHashMap<>();

  public Processes(Path logs) throws IOException {
    this.logs = Files.createDirectories(logs);
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "bench-stop"));
  }

  /** Starts {@code command}, its output appended to {@code logs/NAME.log}. */
  public Process start(String name, List<String> command) throws IOException {
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".log").toFile()))
            .start();
    synchronized (started) {
      started.add(process);
    }
    byName.put(name, process);
    return process;
  }

  /** Runs a command to its end (at most {@code limit}) and returns what it printed. */
  /** The process last started as {@code name}. */
  public Process named(String name) {
    return byName.get(name);
  }

  public static String run(List<String> command, Duration limit)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output;
    try (var in = process.getInputStream()) {
      Thread killer =
          new Thread(
              () -> {
                try {
                  if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                  }
                } catch (InterruptedException e) {
                  process.destroyForcibly();
                }
              },
              "bench-timeout");
      killer.setDaemon(true);
      killer.start();
      output = in.readAllBytes();
      killer.interrupt();
    }
    int code = process.waitFor();
    String text = new String(output, StandardCharsets.UTF_8);
    if (code != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + code + ":\n" + text);
    }
    return text;
  }

  static void stop(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  /** Waits until something accepts connections on {@code port}, or fails naming the log to read. */
  void awaitListening(String name, Process process, int port, Duration limit) throws IOException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            name + " exited with " + process.exitValue() + "; see " + logs.resolve(name + ".log"));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      }
    }
    throw new IOException(
        name
            + " did not listen on port "
            + port
            + " within "
            + limit.toSeconds()
            + " s; see "
            + logs.resolve(name + ".log"));
  }

  /**
   * CPU time (user + system) used so far by {@code process} and its descendants, in microseconds.
   */
  static long cpuMicros(Process process) {
    if (process == null) {
      return 0;
    }
    return Stream.concat(Stream.of(process.toHandle()), process.descendants())
        .mapToLong(
            h -> {
              try {
                String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                return ticks * 1_000_000 / TICKS_PER_SECOND;
              } catch (IOException | RuntimeException gone) {
                return 0;
              }
            })
        .sum();
  }

  /** The java of the running JVM, for the processes the harness starts. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Resident memory of {@code process} and its descendants, in MiB. */
  public static double rssMiB(Process process) {
    if (process == null) {
      return Double.NaN;
    }
    return Stream.concat(Stream.of(process.toHandle()), process.descendants())
            .mapToLong(
                h -> {
                  try {
                    for (String line :
                        Files.readAllLines(Path.of("/proc", Long.toString(h.pid()), "status"))) {
                      if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", ""));
                      }
                    }
                    return 0;
                  } catch (IOException | RuntimeException gone) {
                    return 0;
                  }
                })
            .sum()
        / 1024.0;
  }

  @Override
  public void close() {
    List<Process> all;
    synchronized (started) {
      all = new ArrayList<>(started);
      started.clear();
    }
    all.forEach(Processes::stop);
  }
}
