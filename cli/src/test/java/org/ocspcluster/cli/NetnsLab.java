package org.ocspcluster.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A small network on this machine (see ../shared/docs/netns-lab.md): network namespaces joined by a
 * bridge, each a "host" with its own addresses on 198.51.100.0/24 (a documentation range; traffic
 * never leaves the machine). Processes started in a namespace are stopped, and the namespaces
 * deleted, on {@link #stop}. Needs root; {@link #assumeAvailable} skips a test, saying why, where
 * namespaces or the engines are missing.
 */
final class NetnsLab {
  private final String prefix =
      "oc" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final java.util.Map<String, Process> byLog = new java.util.HashMap<>();
  private final Path logs;
  private int links;

  /** Logs go to target/netns-lab/PREFIX, kept after the test for a look when it fails. */
  NetnsLab() throws IOException {
    this.logs = Files.createDirectories(Path.of("target", "netns-lab", prefix).toAbsolutePath());
  }

  /** The file a log named {@code logName} is (or will be) written to. */
  Path logFile(String logName) {
    return logs.resolve(logName + ".log");
  }

  /** Skips the calling test unless namespaces can be made and {@code programs} are installed. */
  static void assumeAvailable(String... programs) throws Exception {
    String probe = "ocprobe" + ThreadLocalRandom.current().nextInt(1000, 9999);
    Clients.Run made = Clients.run(List.of("ip", "netns", "add", probe));
    assumeTrue(
        made.exit() == 0,
        "network namespaces cannot be made here (root and iproute2 needed): " + made.out().strip());
    Clients.run(List.of("ip", "netns", "del", probe));
    for (String program : programs) {
      Clients.Run found = Clients.run(List.of("sh", "-c", "command -v " + program));
      assumeTrue(found.exit() == 0, program + " is not installed (.ci/run installs it)");
    }
  }

  /** The namespace's full name for {@code host}. */
  String ns(String host) {
    return prefix + host;
  }

  /** A namespace with loopback up. */
  void host(String host) throws Exception {
    must("ip", "netns", "add", ns(host));
    namespaces.add(ns(host));
    must("ip", "-n", ns(host), "link", "set", "lo", "up");
  }

  /** A bridge (a switch) in namespace {@code host}. */
  void bridge(String host, String name) throws Exception {
    must("ip", "-n", ns(host), "link", "add", name, "type", "bridge");
    must("ip", "-n", ns(host), "link", "set", name, "up");
  }

  /**
   * Joins {@code host} to {@code bridge} in {@code switchHost} with an interface named {@code nic}
   * holding {@code addresses} (CIDR).
   */
  void plug(String host, String nic, String switchHost, String bridge, String... addresses)
      throws Exception {
    links++;
    String peer = prefix + "p" + links;
    String temp = prefix + "t" + links;
    must("ip", "link", "add", temp, "type", "veth", "peer", "name", peer);
    must("ip", "link", "set", temp, "netns", ns(host), "name", nic);
    must("ip", "link", "set", peer, "netns", ns(switchHost));
    must("ip", "-n", ns(switchHost), "link", "set", peer, "master", bridge);
    must("ip", "-n", ns(switchHost), "link", "set", peer, "up");
    for (String a : addresses) {
      must("ip", "-n", ns(host), "address", "add", a, "dev", nic);
    }
    must("ip", "-n", ns(host), "link", "set", nic, "up");
  }

  /**
   * Joins this machine's own namespace to {@code bridge} in {@code switchHost} with {@code address}
   * (CIDR), so that the lab's hosts reach a server the test runs in its JVM. The link goes when the
   * switch's namespace is deleted.
   */
  void plugThisMachine(String switchHost, String bridge, String address) throws Exception {
    links++;
    String here = prefix + "h" + links;
    String peer = prefix + "p" + links;
    must("ip", "link", "add", here, "type", "veth", "peer", "name", peer);
    must("ip", "link", "set", peer, "netns", ns(switchHost));
    must("ip", "-n", ns(switchHost), "link", "set", peer, "master", bridge);
    must("ip", "-n", ns(switchHost), "link", "set", peer, "up");
    must("ip", "address", "add", address, "dev", here);
    must("ip", "link", "set", here, "up");
  }

  /** Runs {@code command} in {@code host}'s namespace and waits for it. */
  Clients.Run in(String host, String... command) throws Exception {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns(host)));
    argv.addAll(List.of(command));
    return Clients.run(argv);
  }

  /** Starts an ocsp-cluster verb in a JVM of its own in {@code host}'s namespace. */
  Process start(String host, String logName, String... args) throws IOException {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                ns(host),
                System.getProperty("java.home") + "/bin/java",
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    argv.addAll(List.of(args));
    Path log = logs.resolve(logName + ".log");
    Process p =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    processes.add(p);
    byLog.put(logName, p);
    return p;
  }

  /** The process last started with {@code logName}. */
  Process processOf(String logName) {
    return byLog.get(logName);
  }

  /** Starts {@code command} (not ours: a router's bird, say) in {@code host}'s namespace. */
  Process startProgram(String host, String logName, String... command) throws IOException {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns(host)));
    argv.addAll(List.of(command));
    Process p =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(logs.resolve(logName + ".log").toFile()))
            .start();
    processes.add(p);
    return p;
  }

  String log(String logName) throws IOException {
    Path log = logs.resolve(logName + ".log");
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  static void signal(Process p, String signal) throws Exception {
    Clients.run(List.of("kill", "-" + signal, Long.toString(p.pid())));
  }

  private static void must(String... command) throws Exception {
    Clients.Run r = Clients.run(List.of(command));
    if (r.exit() != 0) {
      throw new IllegalStateException(String.join(" ", command) + ": " + r.out());
    }
  }

  /** Stops every process started here, then deletes the namespaces. */
  void stop() throws Exception {
    for (Process p : processes) {
      if (p.isAlive()) {
        signal(p, "CONT");
        p.destroy();
      }
    }
    for (Process p : processes) {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
    for (String ns : namespaces) {
      Clients.run(List.of("ip", "netns", "del", ns));
    }
  }
}
