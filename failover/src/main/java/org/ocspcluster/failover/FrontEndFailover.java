package org.ocspcluster.failover;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FrontEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the cluster IP(s) to or from this front end with the engine made for it: keepalived
 * (VRRPv3) for {@code vrrp}, BIRD (BGP with BFD) for {@code bgp}. Writes the engine's configuration
 * from {@code cluster.yaml}, starts and supervises it, and runs the readiness watch that tells it
 * whether the balancer is ready. Closing hands the IP over first (keepalived leaves with a
 * priority-0 advert; bird withdraws the routes), so the listeners can then close.
 */
public final class FrontEndFailover implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FrontEndFailover.class);

  /** How long a withdrawn route is given to reach the routers before the listeners close. */
  private static final Duration WITHDRAW_GRACE = Duration.ofMillis(500);

  private final ClusterConfig config;
  private final FrontEnd self;
  private final Path work;
  private final List<Supervised> programs = new ArrayList<>();
  private final ScheduledExecutorService observer;
  private volatile FrontEndRole role;
  private volatile String arpIgnoreBefore;

  private FrontEndFailover(ClusterConfig config, FrontEnd self, Path work) {
    this.config = config;
    this.self = self;
    this.work = work;
    this.role =
        new FrontEndRole(
            self.name(),
            self.failover() == FrontEnd.Failover.VRRP
                ? FrontEndRole.Role.STANDBY
                : FrontEndRole.Role.WITHDRAWN,
            "starting",
            Instant.now());
    this.observer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "front-end-role");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts the failover of front end {@code name}: its engine and the readiness watch asking {@code
   * readyUrl}. Files go to {@code work} (created if missing).
   */
  public static FrontEndFailover start(
      ClusterConfig config, String name, int revision, Path work, String readyUrl)
      throws IOException {
    FrontEnd self =
        config
            .frontEnd(name)
            .orElseThrow(() -> new IllegalArgumentException("no front end named " + name));
    Files.createDirectories(work);
    FrontEndFailover f = new FrontEndFailover(config, self, work.toAbsolutePath());
    try {
      f.startEngines(revision, readyUrl);
    } catch (IOException | RuntimeException e) {
      f.close();
      throw e;
    }
    return f;
  }

  private void startEngines(int revision, String readyUrl) throws IOException {
    Path watch = work.resolve("readiness-watch.sh");
    Files.deleteIfExists(watchState());
    try (InputStream in = FrontEndFailover.class.getResourceAsStream("readiness-watch.sh")) {
      if (in == null) {
        throw new IOException("readiness-watch.sh is missing from the jar");
      }
      Files.write(watch, in.readAllBytes());
    }
    Files.setPosixFilePermissions(watch, PosixFilePermissions.fromString("rwxr-xr-x"));
    String interval = KeepalivedConf.seconds(config.failover().readinessInterval().toMillis());
    String onReady;
    String onNotReady;
    long observeEvery;
    if (self.failover() == FrontEnd.Failover.VRRP) {
      answerArpOnlyForOwnAddresses();
      Path track = trackFile();
      // Not ready until the watch has asked: a file left by an earlier run must not count.
      Files.writeString(track, "1\n");
      Path conf = work.resolve("keepalived.conf");
      Files.writeString(conf, KeepalivedConf.render(config, self, track, revision));
      programs.add(
          Supervised.start(
              "keepalived",
              List.of(
                  "keepalived",
                  "--dont-fork",
                  "--log-console",
                  "--log-detail",
                  "--vrrp",
                  "--use-file=" + conf,
                  "--pid=" + work.resolve("keepalived.pid"),
                  "--vrrp_pid=" + work.resolve("keepalived-vrrp.pid"))));
      String t = quoted(track.toString());
      onReady = "[ \"$(cat " + t + ")\" = 0 ] || echo 0 > " + t;
      onNotReady = "[ \"$(cat " + t + ")\" = 1 ] || echo 1 > " + t;
      observeEvery = 100;
    } else {
      for (String ip : config.clusterIps()) {
        addToLoopback(ip);
      }
      Path conf = work.resolve("bird.conf");
      Files.writeString(conf, BirdConf.render(config, self, revision));
      programs.add(
          Supervised.start(
              "bird",
              List.of(
                  "bird",
                  "-f",
                  "-c",
                  conf.toString(),
                  "-s",
                  birdSocket().toString(),
                  "-P",
                  work.resolve("bird.pid").toString())));
      onReady = birdc("enable") + " >/dev/null";
      onNotReady = birdc("disable") + " >/dev/null";
      observeEvery = 300;
    }
    programs.add(
        Supervised.start(
            "readiness-watch",
            List.of(
                "sh",
                watch.toString(),
                readyUrl,
                interval,
                onReady,
                onNotReady,
                watchState().toString())));
    observer.scheduleWithFixedDelay(this::observe, 0, observeEvery, TimeUnit.MILLISECONDS);
    LOG.info(
        "front end {} started: the cluster IP(s) {} move by {} (priority {})",
        self.name(),
        config.clusterIps(),
        self.failover(),
        self.priority());
  }

  /**
   * While a clean stop hands the IP over, the cluster IPs sit on loopback so that a connection
   * whose SYN was sent before the clients learned the new holder is still answered here; with
   * {@code arp_ignore=1} on the client interface this front end does not answer ARP for them
   * meanwhile (the LVS-DR rule), so clients move to the new holder.
   */
  private void answerArpOnlyForOwnAddresses() {
    Path sysctl = arpIgnore();
    try {
      arpIgnoreBefore = Files.readString(sysctl).strip();
      Files.writeString(sysctl, "1\n");
    } catch (IOException e) {
      LOG.warn(
          "front end {}: cannot set {} to 1 ({}); a clean stop may lose requests sent during the"
              + " handover",
          self.name(),
          sysctl,
          e.toString());
    }
  }

  private Path arpIgnore() {
    return Path.of("/proc/sys/net/ipv4/conf", self.networkInterface(), "arp_ignore");
  }

  /** Puts back the interface's arp_ignore as it was before this front end started. */
  private void restoreArpIgnore() {
    String before = arpIgnoreBefore;
    if (before == null) {
      return;
    }
    try {
      Files.writeString(arpIgnore(), before + "\n");
    } catch (IOException e) {
      LOG.warn(
          "front end {}: cannot restore {} to {}: {}",
          self.name(),
          arpIgnore(),
          before,
          e.toString());
    }
  }

  private Path trackFile() {
    return work.resolve("balancer-ready");
  }

  private Path birdSocket() {
    return work.resolve("bird.ctl");
  }

  private String birdc(String verb) {
    return "birdc -s "
        + quoted(birdSocket().toString())
        + " "
        + verb
        + " '\""
        + BirdConf.STATIC
        + "*\"'";
  }

  private static String quoted(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** With BGP the routers send the cluster IP here; the kernel must take it as its own. */
  private static void addToLoopback(String ip) throws IOException {
    String len = KeepalivedConf.isV6(ip) ? "/128" : "/32";
    run(List.of("ip", "address", "replace", ip + len, "dev", "lo"));
  }

  private static String run(List<String> command) throws IOException {
    // timeout(1) ends a command that hangs (birdc asking a stuck bird), so reading its output
    // below cannot block for ever.
    List<String> bounded = new ArrayList<>(List.of("timeout", "3"));
    bounded.addAll(command);
    Process p = new ProcessBuilder(bounded).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish within 5 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out.strip());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** What this front end does with the cluster IP now. */
  public FrontEndRole role() {
    return role;
  }

  private void observe() {
    try {
      FrontEndRole.Role now;
      String reason;
      boolean ready = balancerReady();
      Supervised engine = programs.get(0);
      if (self.failover() == FrontEnd.Failover.VRRP) {
        boolean holds = holdsClusterIp();
        now = holds ? FrontEndRole.Role.HOLDS_IP : FrontEndRole.Role.STANDBY;
        if (!engine.alive()) {
          reason = "keepalived is not running";
        } else if (!ready) {
          reason = "the balancer is not ready (readiness watch)";
        } else if (holds) {
          reason =
              "keepalived made it master: no ready front end with a higher priority advertises";
        } else {
          reason = "keepalived keeps it backup: another front end is master";
        }
      } else {
        String protocols = engine.alive() ? birdProtocols() : "";
        boolean enabled =
            protocols.lines().anyMatch(l -> l.startsWith(BirdConf.STATIC) && l.contains(" up "));
        long sessions =
            protocols
                .lines()
                .filter(l -> l.startsWith("upstream_") && l.contains("Established"))
                .count();
        now = enabled && sessions > 0 ? FrontEndRole.Role.ANNOUNCING : FrontEndRole.Role.WITHDRAWN;
        if (!engine.alive()) {
          reason = "bird is not running";
        } else if (!enabled) {
          reason =
              ready
                  ? "waiting for the readiness watch"
                  : "the balancer is not ready (readiness watch)";
        } else if (sessions == 0) {
          reason = "no BGP session with a router is established";
        } else {
          reason =
              "announced to "
                  + sessions
                  + " of "
                  + config.failover().bgp().routers().size()
                  + " router(s)";
        }
      }
      FrontEndRole before = role;
      if (before.role() != now || !before.reason().equals(reason)) {
        role =
            new FrontEndRole(
                self.name(), now, reason, before.role() != now ? Instant.now() : before.since());
        if (before.role() != now) {
          LOG.info("front end {}: {} -> {} ({})", self.name(), before.role(), now, reason);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("front end {}: cannot read its role: {}", self.name(), e.toString());
    }
  }

  /** What the readiness watch last found (it writes the file after acting on it). */
  private boolean balancerReady() {
    try {
      return Files.readString(watchState()).strip().equals("ready");
    } catch (IOException e) {
      return false;
    }
  }

  private Path watchState() {
    return work.resolve("readiness");
  }

  private boolean holdsClusterIp() {
    try {
      NetworkInterface nic = NetworkInterface.getByName(self.networkInterface());
      if (nic == null) {
        return false;
      }
      List<String> ips = config.clusterIps();
      return nic.inetAddresses()
          .map(InetAddress::getHostAddress)
          .anyMatch(a -> ips.contains(a.replaceAll("%.*", "")));
    } catch (SocketException e) {
      return false;
    }
  }

  private String birdProtocols() {
    try {
      return run(List.of("birdc", "-s", birdSocket().toString(), "show", "protocols"));
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * keepalived on SIGTERM sends a priority-0 advert and removes the address, so the standby takes
   * over at once; the cluster IPs stay on loopback here until the clients have learned the new
   * holder (three advert intervals and the new holder's gratuitous ARP), then go.
   */
  private void handOverVrrp(Supervised keepalived) {
    for (String ip : config.clusterIps()) {
      try {
        addToLoopback(ip);
      } catch (IOException e) {
        LOG.warn(
            "front end {}: cannot hold {} during the handover: {}",
            self.name(),
            ip,
            e.getMessage());
      }
    }
    keepalived.stop(Duration.ofSeconds(5));
    try {
      TimeUnit.MILLISECONDS.sleep(
          Math.max(300, 3 * config.failover().vrrp().advertInterval().toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    removeFromLoopback();
    restoreArpIgnore();
  }

  private void removeFromLoopback() {
    for (String ip : config.clusterIps()) {
      try {
        run(
            List.of(
                "ip",
                "address",
                "del",
                ip + (KeepalivedConf.isV6(ip) ? "/128" : "/32"),
                "dev",
                "lo"));
      } catch (IOException e) {
        LOG.debug("front end {}: {} was not on loopback: {}", self.name(), ip, e.getMessage());
      }
    }
  }

  /** Hands the cluster IP over, then stops the engine and the watch; never throws. */
  @Override
  public void close() {
    observer.shutdownNow();
    for (int i = programs.size() - 1; i >= 0; i--) {
      Supervised p = programs.get(i);
      if (p.name().equals("bird")) {
        try {
          run(
              List.of(
                  "birdc",
                  "-s",
                  birdSocket().toString(),
                  "disable",
                  "\"" + BirdConf.STATIC + "*\""));
          LOG.info("front end {}: cluster IP routes withdrawn; stopping bird", self.name());
          TimeUnit.MILLISECONDS.sleep(WITHDRAW_GRACE.toMillis());
        } catch (IOException e) {
          LOG.warn("front end {}: could not withdraw the routes: {}", self.name(), e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (p.name().equals("keepalived") && p.alive()) {
        handOverVrrp(p);
      }
      p.stop(Duration.ofSeconds(5));
      if (p.name().equals("bird")) {
        removeFromLoopback();
      }
    }
    LOG.info("front end {}: handed the cluster IP over", self.name());
  }
}
