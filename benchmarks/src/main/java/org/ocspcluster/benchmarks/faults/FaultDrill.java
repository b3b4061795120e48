package org.ocspcluster.benchmarks.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.ocspcluster.pki.Pem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Faults under constant load. Two responder processes and the balancer process (each its own JVM,
 * Netty's leak detector at paranoid), the CRL served over HTTP by this process, and client threads
 * sending OCSP requests through the balancer, one new connection each, counting every answer. Then,
 * one after the other: a member killed with SIGKILL and started again; a member frozen with
 * SIGSTOP, then thawed; the CRL URL unreachable for several refresh intervals. For each: requests
 * sent and failed, the time until the balancer took the member out, the time until it was back.
 * With {@code --soak}, load with member churn for that long, checking that heap and RSS stay flat
 * and that no process reported a leak.
 */
@Command(
    name = "benchmarks/faults",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Applies faults to a running cluster under constant load and measures what clients saw.",
      "Writes faults.csv (and soak.csv with --soak) into --out."
    })
public final class FaultDrill implements Callable<Integer> {
  @Option(
      names = "--clients",
      defaultValue = "4",
      paramLabel = "N",
      description = "client threads (default: ${DEFAULT-VALUE})")
  int clients;

  @Option(
      names = "--restarts",
      defaultValue = "3",
      paramLabel = "N",
      description =
          "member kills and restarts with the CDS archive, and as many without (default: ${DEFAULT-VALUE})")
  int restarts;

  @Option(
      names = "--hold",
      defaultValue = "8",
      paramLabel = "SECONDS",
      description = "how long each fault lasts (default: ${DEFAULT-VALUE})")
  int hold;

  @Option(
      names = "--soak",
      defaultValue = "0",
      paramLabel = "SECONDS",
      description = "instead of the faults: load with member churn for this long (0: no soak)")
  int soak;

  @Option(
      names = "--zookeeper-script",
      paramLabel = "FILE",
      description =
          "run the members and the balancer as an array on ZooKeeper, started and stopped with this script "
              + "(`FILE start` prints the connect string, `FILE stop` stops it, `FILE restart` starts it again with"
              + " its data; e.g. .ci/zookeeper), and add the "
              + "ZooKeeper and controller faults")
  Path zookeeperScript;

  @Option(
      names = "--mode",
      defaultValue = "tcp",
      paramLabel = "tcp|ocsp",
      description =
          "the port rule's mode: tcp relays bytes, ocsp forwards each request and retries it on"
              + " another member (default: ${DEFAULT-VALUE}); ocsp writes faults-ocsp.csv, soak-ocsp.csv")
  String mode;

  @Option(
      names = "--no-cds",
      description =
          "start members without a class data sharing archive (the launchers make one at a role's"
              + " first clean exit and use it from then on)")
  boolean noCds;

  /** The members' AppCDS archive, made by a training start before the drill; null without. */
  private Path cdsArchive;

  /** Whether the next member start maps the archive (the kill rows compare with and without). */
  private boolean withCds = true;

  @Option(names = "--jar", defaultValue = "cli/target/ocsp-cluster.jar", paramLabel = "FILE")
  Path jar;

  @Option(names = "--work", defaultValue = "benchmarks/target/faults", paramLabel = "DIR")
  Path work;

  @Option(names = "--out", defaultValue = "benchmarks/results", paramLabel = "DIR")
  Path out;

  private final PrintStream console = System.out;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, Process> members = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicBoolean loading = new AtomicBoolean(true);
  private org.ocspcluster.benchmarks.endtoend.Processes processes;
  private Path yaml;
  private int[] ports;
  private byte[] crl;
  private HttpServer crlServer;
  private byte[] request;
  private final long started = System.nanoTime();

  /** faults.csv for the tcp rule, faults-ocsp.csv for the ocsp one. */
  private String suffixed(String file) {
    return "tcp".equals(mode) ? file : file.replace(".csv", "-" + mode + ".csv");
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new FaultDrill()).execute(args));
  }

  /**
   * Restarts of one kind as one row: medians, sums, and every restart's figure in the note, which
   * says so when one of them never came back (the verdict then fails).
   */
  private static Outcome median(List<Outcome> runs) {
    long never = runs.stream().filter(o -> Double.isInfinite(o.recoverSeconds())).count();
    if (runs.size() == 1) {
      return runs.get(0);
    }
    double[] back = runs.stream().mapToDouble(Outcome::recoverSeconds).sorted().toArray();
    double[] out = runs.stream().mapToDouble(Outcome::detectSeconds).sorted().toArray();
    return new Outcome(
        runs.get(0).fault() + ", median of " + runs.size(),
        runs.stream().mapToLong(Outcome::requests).sum(),
        runs.stream().mapToLong(Outcome::failures).sum(),
        out[out.length / 2],
        back[back.length / 2],
        runs.get(0).note()
            + "; each: "
            + String.join(
                " ",
                runs.stream()
                    .map(o -> String.format(Locale.ROOT, "%.2f", o.recoverSeconds()))
                    .toList())
            + (never == 0 ? "" : "; NOT back within 60 s in " + never + " of " + runs.size()));
  }

  /** A CSV field, quoted when it holds a comma or a quote (RFC 4180). */
  private static String csvField(String text) {
    return text.contains(",") || text.contains("\"")
        ? '"' + text.replace("\"", "\"\"") + '"'
        : text;
  }

  /** One fault's outcome as clients and the balancer saw it. */
  record Outcome(
      String fault,
      long requests,
      long failures,
      double detectSeconds,
      double recoverSeconds,
      String note) {}

  @Override
  public Integer call() throws Exception {
    if (!"tcp".equals(mode) && !"ocsp".equals(mode)) {
      System.err.println("--mode is tcp or ocsp, not " + mode);
      return 2;
    }
    if (restarts < 1) {
      System.err.println("--restarts is at least 1, not " + restarts);
      return 2;
    }
    if (!Files.isRegularFile(jar)) {
      System.err.println(
          "no " + jar + ": build it first (mvn -pl cli,benchmarks -am package -DskipTests)");
      return 2;
    }
    work = work.toAbsolutePath();
    deleteTree(work);
    Files.createDirectories(work);
    ports = freePorts(6); // cluster, members, admins, CRL: see freePorts
    try (var startedProcesses =
        new org.ocspcluster.benchmarks.endtoend.Processes(work.resolve("logs"))) {
      processes = startedProcesses;
      setUp();
      List<Thread> load = startLoad();
      List<Outcome> outcomes = new ArrayList<>();
      List<String> soakRows = new ArrayList<>();
      try {
        awaitCount(() -> sent.get() > 500, Duration.ofSeconds(60), "load through the balancer");
        if (soak > 0) {
          soakRows = soak();
        } else {
          // Restarts alternate with and without the archive, in the same run: the ratio is what
          // CDS buys. Each row gives the median restart and every one.
          List<Outcome> with = new ArrayList<>();
          List<Outcome> without = new ArrayList<>();
          for (int i = 0; i < restarts; i++) {
            withCds = true;
            with.add(killAndRestart("responder-2"));
            if (cdsArchive != null) {
              withCds = false;
              without.add(killAndRestart("responder-2"));
              withCds = true;
            }
          }
          outcomes.add(median(with));
          if (!without.isEmpty()) {
            outcomes.add(median(without));
          }
          outcomes.add(freezeAndThaw("responder-1"));
          outcomes.add(crlUnreachable());
          if (zookeeper != null) {
            outcomes.add(zookeeperDown());
            outcomes.add(controllerKilled());
          }
        }
      } finally {
        loading.set(false);
        for (Thread t : load) {
          t.join();
        }
        if (crlServer != null) {
          crlServer.stop(0);
        }
      }
      List<String> leaks = leakReports();
      Files.createDirectories(out);
      if (soak > 0) {
        Files.write(out.resolve(suffixed("soak.csv")), soakRows);
        console.println(String.join("\n", soakRows));
      } else {
        List<String> rows =
            new ArrayList<>(List.of("fault,requests,failed,detect_s,recover_s,note"));
        for (Outcome o : outcomes) {
          rows.add(
              String.format(
                  Locale.ROOT,
                  "%s,%d,%d,%.2f,%.2f,%s",
                  csvField(o.fault()),
                  o.requests(),
                  o.failures(),
                  o.detectSeconds(),
                  o.recoverSeconds(),
                  csvField(o.note())));
        }
        Files.write(out.resolve(suffixed("faults.csv")), rows);
        console.println();
        console.println("| fault | requests | failed | taken out after | back after | note |");
        console.println("| --- | --- | --- | --- | --- | --- |");
        for (Outcome o : outcomes) {
          console.printf(
              Locale.ROOT,
              "| %s | %,d | %d | %s | %s | %s |%n",
              o.fault(),
              o.requests(),
              o.failures(),
              seconds(o.detectSeconds()),
              seconds(o.recoverSeconds()),
              o.note());
        }
      }
      console.printf(
          "%nin all: %,d requests, %,d failed; leak reports: %s%n",
          sent.get(), failed.get(), leaks.isEmpty() ? "none" : leaks);
      List<String> problems = new ArrayList<>();
      if (!leaks.isEmpty()) {
        problems.add("Netty reported leaks in " + leaks);
      }
      if (soak > 0) {
        problems.addAll(soakProblems(soakRows));
      }
      for (Outcome o : outcomes) {
        if (Double.isInfinite(o.recoverSeconds())) {
          problems.add(o.fault() + ": not back within 60 s");
        }
        if (o.note().contains("CHANGED")
            || o.note().contains("NOT up")
            || o.note().contains("NOT back")) {
          problems.add(o.fault() + ": " + o.note());
        }
      }
      problems.forEach(p -> console.println("PROBLEM: " + p));
      console.println(
          problems.isEmpty() ? "verdict: ok" : "verdict: " + problems.size() + " problem(s)");
      return problems.isEmpty() ? 0 : 1;
    }
  }

  private void setUp() throws Exception {
    Path pki = work.resolve("pki");
    run(
        List.of(
            java(),
            "-jar",
            jar.toString(),
            "demo-pki",
            "--out",
            pki.toString(),
            "--port",
            Integer.toString(ports[0]),
            "--admin-port",
            Integer.toString(ports[3])));
    crl = Files.readAllBytes(pki.resolve("ca.crl"));
    startCrlServer();
    yaml = pki.resolve("cluster.yaml");
    String text =
        Files.readString(yaml)
            .replace(
                "affinity: single",
                "affinity: none" + ("ocsp".equals(mode) ? "\n    mode: ocsp" : ""))
            .replace("crl: ca.crl", "crl: http://127.0.0.1:" + ports[4] + "/ca.crl")
            .replace("refreshInterval: 1m", "refreshInterval: 2s");
    Files.writeString(yaml, text);
    if (zookeeperScript != null) {
      zookeeper = zookeeper("start").strip();
      startController();
      awaitCount(
          () ->
              runQuietly(
                  List.of(
                      java(),
                      "-jar",
                      jar.toString(),
                      "config",
                      "apply",
                      yaml.toString(),
                      "--admin",
                      controllerAdmin())),
          Duration.ofSeconds(60),
          "the controller to take the configuration");
      revisionBefore = revision();
    }
    OCSPReqBuilder builder = new OCSPReqBuilder();
    builder.addRequest(
        new CertificateID(
            new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
            Pem.readCertificate(pki.resolve("ca.pem")),
            Pem.readCertificate(pki.resolve("good.pem")).getSerialNumber()));
    request = builder.build().getEncoded();
    if (!noCds && soak == 0) { // the soak's memory figures stay comparable
      cdsArchive = trainCds();
    }
    startMember("responder-1");
    startMember("responder-2");
    processes.start(
        "balancer",
        List.of(
            java(),
            "-Dio.netty.leakDetection.level=paranoid",
            "-jar",
            jar.toString(),
            "balancer",
            zookeeper == null ? "--config" : "--zookeeper",
            zookeeper == null ? yaml.toString() : zookeeper,
            "--cluster",
            "drill",
            "--data",
            work.resolve("balancer-data").toString()));
    awaitCount(
        () -> health("responder-1").equals("up") && health("responder-2").equals("up"),
        Duration.ofSeconds(90),
        "both members up at the balancer");
    console.printf(
        "cluster up: balancer :%d, members :%d :%d, CRL served at :%d; %d client threads%n",
        ports[0], ports[1], ports[2], ports[4], clients);
  }

  /**
   * Makes the members' AppCDS archive as the launchers do: a member started with {@code
   * -XX:ArchiveClassesAtExit} writes it at its first clean exit. As in a real first run, the member
   * answers requests before it is stopped (a few, with and without a nonce, as clients and the
   * balancer's probes send), so the archive holds the answer path too.
   */
  private Path trainCds() throws Exception {
    Path archive = work.resolve("cds").resolve("responder.jsa");
    Files.createDirectories(archive.getParent());
    // The role the members run (responder, or an array member), as the launchers key archives.
    List<String> command =
        new ArrayList<>(
            List.of(
                java(),
                "-XX:ArchiveClassesAtExit=" + archive,
                "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off"));
    command.addAll(memberArguments("responder-1"));
    Process training =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("logs").resolve("cds-training.log").toFile())
            .start();
    try {
      awaitCount(
          () -> {
            try (java.net.Socket probe = new java.net.Socket()) {
              probe.connect(new InetSocketAddress("127.0.0.1", ports[1]), 200);
              return true;
            } catch (IOException notYet) {
              return false;
            }
          },
          Duration.ofSeconds(60),
          "the CDS training member listening");
      byte[] withNonce = requestWithNonce();
      int answered = 0;
      for (int i = 0; i < 20; i++) {
        answered += ask(ports[1], request) ? 1 : 0;
        answered += ask(ports[1], withNonce) ? 1 : 0;
      }
      if (answered < 40) {
        console.printf("the CDS training member answered %d of 40 requests%n", answered);
      }
    } finally {
      training.destroy(); // SIGTERM: a clean exit, which writes the archive
      training.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
    }
    if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
      console.println("no CDS archive was made; members start without one");
      return null;
    }
    console.printf("CDS archive made: %s (%,d bytes)%n", archive, Files.size(archive));
    return archive;
  }

  private void startMember(String name) throws IOException {
    int admin = name.equals("responder-1") ? ports[5] : ports[5] + 1;
    List<String> command =
        new ArrayList<>(List.of(java(), "-Dio.netty.leakDetection.level=paranoid"));
    if (cdsArchive != null && withCds) {
      command.addAll(
          List.of("-XX:SharedArchiveFile=" + cdsArchive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
    }
    command.addAll(memberArguments(name));
    command.addAll(List.of("--admin", "127.0.0.1:" + admin));
    members.put(name, processes.start(name, command));
  }

  /** A member's role and arguments from {@code -jar} on: {@code responder}, or an array member. */
  private List<String> memberArguments(String name) {
    List<String> command = new ArrayList<>(List.of("-jar", jar.toString()));
    if (zookeeper == null) {
      command.addAll(List.of("responder", "--config", yaml.toString()));
    } else {
      command.addAll(
          List.of(
              "member",
              "--zookeeper",
              zookeeper,
              "--cluster",
              "drill",
              "--data",
              work.resolve("member-data").resolve(name).toString()));
    }
    command.addAll(List.of("--member", name));
    return command;
  }

  private String zookeeper;
  private String revisionBefore;
  private Process controller;

  private String zookeeper(String action) throws IOException, InterruptedException {
    return org.ocspcluster.benchmarks.endtoend.Processes.run(
        List.of("bash", zookeeperScript.toString(), action), Duration.ofSeconds(60));
  }

  private String controllerAdmin() {
    return "127.0.0.1:" + (ports[5] + 2);
  }

  private void startController() throws IOException {
    controller =
        processes.start(
            "controller",
            List.of(
                java(),
                "-jar",
                jar.toString(),
                "controller",
                "--zookeeper",
                zookeeper,
                "--cluster",
                "drill",
                "--admin",
                controllerAdmin(),
                "--id",
                "drill-controller"));
  }

  /** The revision in force and its text, as the controller shows it; what no fault may lose. */
  private String revision() {
    try {
      return get("http://" + controllerAdmin() + "/config");
    } catch (Exception e) {
      return "unreachable: " + e;
    }
  }

  private boolean runQuietly(List<String> command) {
    try {
      run(command);
      return true;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private Outcome zookeeperDown() throws Exception {
    console.printf("%n== ZooKeeper stopped for %d s, then started ==%n", hold);
    long sentBefore = sent.get();
    long failedBefore = failed.get();
    zookeeper("stop");
    pause(Duration.ofSeconds(hold));
    long startedAt = System.nanoTime();
    zookeeper("restart"); // with its data, as a restarted server
    double back = awaitSeconds(() -> revision().equals(revisionBefore), startedAt);
    boolean up = health("responder-1").equals("up") && health("responder-2").equals("up");
    return new Outcome(
        "ZooKeeper stopped (then started)",
        sent.get() - sentBefore,
        failed.get() - failedBefore,
        Double.NaN,
        back,
        "back = controller serving the same revision; revision "
            + (revision().equals(revisionBefore) ? "intact" : "CHANGED")
            + "; members "
            + (up ? "up" : "NOT up"));
  }

  private Outcome controllerKilled() throws Exception {
    console.printf("%n== the controller killed with SIGKILL, started again after %d s ==%n", hold);
    long sentBefore = sent.get();
    long failedBefore = failed.get();
    controller.destroyForcibly();
    pause(Duration.ofSeconds(hold));
    long startedAt = System.nanoTime();
    startController();
    double back = awaitSeconds(() -> revision().equals(revisionBefore), startedAt);
    return new Outcome(
        "controller kill -9 (then restart)",
        sent.get() - sentBefore,
        failed.get() - failedBefore,
        Double.NaN,
        back,
        "back = the new controller serving the same revision; revision "
            + (revision().equals(revisionBefore) ? "intact" : "CHANGED"));
  }

  private void startCrlServer() throws IOException {
    crlServer = HttpServer.create(new InetSocketAddress("127.0.0.1", ports[4]), 16);
    crlServer.createContext(
        "/ca.crl",
        exchange -> {
          exchange.sendResponseHeaders(200, crl.length);
          try (OutputStream body = exchange.getResponseBody()) {
            body.write(crl);
          }
        });
    crlServer.start();
  }

  private List<Thread> startLoad() {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Thread t =
          new Thread(
              () -> {
                while (loading.get()) {
                  sent.incrementAndGet();
                  if (!ask()) {
                    failed.incrementAndGet();
                  }
                }
              },
              "client-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    return threads;
  }

  private Outcome killAndRestart(String name) throws Exception {
    console.printf("%n== %s killed with SIGKILL, started again after %d s ==%n", name, hold);
    long sentBefore = sent.get();
    long failedBefore = failed.get();
    long at = System.nanoTime();
    members.get(name).destroyForcibly();
    double detect = awaitSeconds(() -> health(name).equals("down"), at);
    pause(Duration.ofSeconds(hold));
    long restartedAt = System.nanoTime();
    startMember(name);
    double recover = awaitSeconds(() -> health(name).equals("up"), restartedAt);
    return new Outcome(
        "kill -9 "
            + name
            + " (then restart"
            + (cdsArchive == null ? "" : withCds ? ", with CDS" : ", without CDS")
            + ")",
        sent.get() - sentBefore,
        failed.get() - failedBefore,
        detect,
        recover,
        "back = from restart to up at the balancer");
  }

  private Outcome freezeAndThaw(String name) throws Exception {
    console.printf("%n== %s frozen with SIGSTOP for %d s, then SIGCONT ==%n", name, hold);
    long pid = members.get(name).pid();
    long sentBefore = sent.get();
    long failedBefore = failed.get();
    long at = System.nanoTime();
    run(List.of("kill", "-STOP", Long.toString(pid)));
    double detect = awaitSeconds(() -> health(name).equals("down"), at);
    pause(Duration.ofSeconds(hold));
    long thawedAt = System.nanoTime();
    run(List.of("kill", "-CONT", Long.toString(pid)));
    double recover = awaitSeconds(() -> health(name).equals("up"), thawedAt);
    return new Outcome(
        "SIGSTOP " + name + " (then SIGCONT)",
        sent.get() - sentBefore,
        failed.get() - failedBefore,
        detect,
        recover,
        "back = from SIGCONT to up");
  }

  private Outcome crlUnreachable() throws Exception {
    int seconds = Math.max(hold, 6);
    console.printf("%n== the CRL URL unreachable for %d s (refresh every 2 s) ==%n", seconds);
    long sentBefore = sent.get();
    long failedBefore = failed.get();
    long refusedBefore = refusedRefreshes();
    crlServer.stop(0);
    pause(Duration.ofSeconds(seconds));
    long refused = refusedRefreshes() - refusedBefore;
    startCrlServer();
    boolean bothUp = health("responder-1").equals("up") && health("responder-2").equals("up");
    return new Outcome(
        "CRL URL unreachable",
        sent.get() - sentBefore,
        failed.get() - failedBefore,
        Double.NaN,
        Double.NaN,
        refused
            + " refreshes refused; last good CRL kept; members "
            + (bothUp ? "stayed up" : "NOT up"));
  }

  /** Load with a member killed and restarted every quarter of the time; heap and RSS sampled. */
  private List<String> soak() throws Exception {
    List<String> rows =
        new ArrayList<>(List.of("second,requests,failed,process,heap_used_mib,rss_mib"));
    long end = System.nanoTime() + Duration.ofSeconds(soak).toNanos();
    long nextChurn = System.nanoTime() + Duration.ofSeconds(soak).toNanos() / 4;
    console.printf(
        "%n== soak: %d s of load, responder-2 killed and restarted every %d s ==%n",
        soak, soak / 4);
    while (System.nanoTime() < end) {
      pause(Duration.ofSeconds(Math.min(10, Math.max(1, soak / 6))));
      long second = (System.nanoTime() - started) / 1_000_000_000;
      for (var e :
          new java.util.TreeMap<>(
                  Map.of(
                      "responder-1",
                      members.get("responder-1"),
                      "balancer",
                      processes.named("balancer")))
              .entrySet()) {
        rows.add(
            String.format(
                Locale.ROOT,
                "%d,%d,%d,%s,%.1f,%.1f",
                second,
                sent.get(),
                failed.get(),
                e.getKey(),
                heapMiB(e.getKey()),
                org.ocspcluster.benchmarks.endtoend.Processes.rssMiB(e.getValue())));
      }
      console.println(rows.get(rows.size() - 1) + " ... " + rows.get(rows.size() - 2));
      if (System.nanoTime() > nextChurn
          && System.nanoTime() < end - Duration.ofSeconds(5).toNanos()) {
        members.get("responder-2").destroyForcibly();
        churns++;
        pause(Duration.ofSeconds(2));
        startMember("responder-2");
        nextChurn += Duration.ofSeconds(soak).toNanos() / 4;
      }
    }
    return rows;
  }

  /**
   * What a soak must show: every process's RSS at the end within 25% of its second sample (the
   * first is still warming up), and failures only from the churn (at most one in-flight request per
   * client thread per kill).
   */
  private List<String> soakProblems(List<String> rows) {
    List<String> problems = new ArrayList<>();
    Map<String, List<Double>> rss = new java.util.TreeMap<>();
    long lastFailed = 0;
    for (String row : rows.subList(1, rows.size())) {
      String[] cells = row.split(",");
      rss.computeIfAbsent(cells[3], k -> new ArrayList<>()).add(Double.parseDouble(cells[5]));
      lastFailed = Long.parseLong(cells[2]);
    }
    rss.forEach(
        (process, samples) -> {
          if (samples.size() >= 3 && samples.get(samples.size() - 1) > 1.25 * samples.get(1)) {
            problems.add(
                process
                    + " RSS grew from "
                    + samples.get(1)
                    + " to "
                    + samples.get(samples.size() - 1)
                    + " MiB");
          }
        });
    long allowed = (long) clients * (churns + 1);
    if (lastFailed > allowed) {
      problems.add(lastFailed + " requests failed; the churn explains at most " + allowed);
    }
    return problems;
  }

  private int churns;

  /** Heap in use, from a process's /metrics (the balancer's admin listener, a member's --admin). */
  private double heapMiB(String name) {
    int port =
        name.equals("balancer") ? ports[3] : name.equals("responder-1") ? ports[5] : ports[5] + 1;
    try {
      String metrics = get("http://127.0.0.1:" + port + "/metrics");
      return metrics
              .lines()
              .filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
              .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
              .sum()
          / (1024 * 1024);
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  private long refusedRefreshes() {
    long total = 0;
    for (int port : new int[] {ports[5], ports[5] + 1}) {
      try {
        total +=
            (long)
                get("http://127.0.0.1:" + port + "/metrics")
                    .lines()
                    .filter(
                        l ->
                            l.startsWith("ocsp_revocation_source_refresh_total{")
                                && l.contains("result=\"refused\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
      } catch (Exception e) {
        // a member not answering counts nothing
      }
    }
    return total;
  }

  private List<String> leakReports() throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> logs = Files.list(work.resolve("logs"))) {
      for (Path log : logs.toList()) {
        if (Files.readString(log).contains("LEAK:")) {
          found.add(log.getFileName().toString());
        }
      }
    }
    return found;
  }

  /** The member's health as the balancer's /query says ("up", "down", ...). */
  private String health(String member) {
    try {
      JsonNode query = new ObjectMapper().readTree(get("http://127.0.0.1:" + ports[3] + "/query"));
      for (JsonNode m : query.get("members")) {
        if (m.get("name").asText().equals(member)) {
          return m.get("health").asText();
        }
      }
    } catch (Exception e) {
      // not answering yet
    }
    return "?";
  }

  private String get(String url) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /**
   * One POST on a new connection through the balancer; true for HTTP 200 with a successful OCSP
   * answer.
   */
  private boolean ask() {
    return ask(ports[0], request);
  }

  /** The drill's request with a nonce, as the balancer's probes send (signed online). */
  private byte[] requestWithNonce() throws Exception {
    byte[] nonce = new byte[16];
    new java.security.SecureRandom().nextBytes(nonce);
    return org.ocspcluster.testing.OcspRequests.requestWithNonce(
        nonce, new org.bouncycastle.cert.ocsp.OCSPReq(request).getRequestList()[0].getCertID());
  }

  private boolean ask(int port, byte[] request) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      OutputStream o = s.getOutputStream();
      o.write(
          ("POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/ocsp-request\r\n"
                  + "Content-Length: "
                  + request.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      o.write(request);
      o.flush();
      InputStream in = s.getInputStream();
      byte[] all = in.readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      return text.startsWith("HTTP/1.1 200")
          && split > 0
          && new OCSPResp(java.util.Arrays.copyOfRange(all, split + 4, all.length)).getStatus()
              == OCSPResp.SUCCESSFUL;
    } catch (Exception e) {
      return false;
    }
  }

  private double awaitSeconds(BooleanSupplier condition, long since) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return (System.nanoTime() - since) / 1e9;
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    return Double.POSITIVE_INFINITY;
  }

  private void awaitCount(BooleanSupplier condition, Duration limit, String what)
      throws IOException {
    if (awaitSecondsWithin(condition, limit) < 0) {
      throw new IOException(
          "timed out waiting for " + what + "; see the logs in " + work.resolve("logs"));
    }
  }

  private double awaitSecondsWithin(BooleanSupplier condition, Duration limit) {
    long begin = System.nanoTime();
    while (System.nanoTime() - begin < limit.toNanos()) {
      if (condition.getAsBoolean()) {
        return (System.nanoTime() - begin) / 1e9;
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    return -1;
  }

  private static void pause(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < until) {
      LockSupport.parkNanos(until - System.nanoTime());
    }
  }

  private static String seconds(double s) {
    return Double.isNaN(s)
        ? "-"
        : Double.isInfinite(s) ? "never (60 s)" : String.format(Locale.ROOT, "%.2f s", s);
  }

  private void run(List<String> command) throws IOException, InterruptedException {
    org.ocspcluster.benchmarks.endtoend.Processes.run(command, Duration.ofSeconds(60));
  }

  private static String java() {
    return org.ocspcluster.benchmarks.endtoend.Processes.java();
  }

  /**
   * Free ports; the first three consecutive (the demo puts members right after the cluster port).
   */
  private static int[] freePorts(int n) throws IOException {
    for (int base = 23080; base < 30000; base += 10) {
      boolean free = true;
      for (int p = base; p < base + n + 2 && free; p++) {
        try (var socket = new java.net.ServerSocket()) {
          socket.bind(new InetSocketAddress("127.0.0.1", p));
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return new int[] {base, base + 1, base + 2, base + 3, base + 4, base + 5};
      }
    }
    throw new IOException("no free ports between 23080 and 30000");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
