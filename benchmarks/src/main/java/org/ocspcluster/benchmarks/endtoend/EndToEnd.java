package org.ocspcluster.benchmarks.endtoend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.ocspcluster.benchmarks.endtoend.Comparison.Metric;
import org.ocspcluster.benchmarks.endtoend.Comparison.Target;
import org.ocspcluster.pki.Pem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end harness: the cluster (two responder members behind the balancer, each its own
 * process) beside HAProxy, nginx and {@code openssl ocsp} on loopback, with the same members and
 * the same PKI, measured in alternating rounds so each ratio compares runs made back to back.
 */
@Command(
    name = "benchmarks/run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures the cluster side by side with HAProxy, nginx and `openssl ocsp` on loopback and",
      "prints the ratios; writes runs.csv, summary.csv, summary.md and ratios.svg into --out.",
      "Needs on the PATH: wrk, ab, haproxy, nginx, openssl (Debian: apt-get install wrk apache2-utils haproxy nginx openssl)."
    })
public final class EndToEnd implements Callable<Integer> {
  @Option(
      names = "--duration",
      defaultValue = "8",
      paramLabel = "SECONDS",
      description = "length of one keep-alive run (default: ${DEFAULT-VALUE})")
  int duration;

  @Option(
      names = "--jit-warmup",
      defaultValue = "60",
      paramLabel = "SECONDS",
      description =
          "load sent through the balancer (keep-alive, then new connections) and to a member (GET) before any measurement, so the JVMs run compiled code as a long-running server does; 0 to skip (default: ${DEFAULT-VALUE})")
  int jitWarmup;

  @Option(
      names = "--warmup",
      defaultValue = "15",
      paramLabel = "SECONDS",
      description =
          "length of each target's warm-up run (round 0, not counted), so the JIT has compiled the hot paths (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      paramLabel = "N",
      description =
          "measured rounds per comparison, after one warm-up round (default: ${DEFAULT-VALUE})")
  int rounds;

  @Option(
      names = "--connections",
      defaultValue = "32",
      paramLabel = "N",
      description = "concurrent connections of the load generator (default: ${DEFAULT-VALUE})")
  int connections;

  @Option(
      names = "--wrk-threads",
      defaultValue = "1",
      paramLabel = "N",
      description = "wrk threads (default: ${DEFAULT-VALUE})")
  int wrkThreads;

  @Option(
      names = "--requests",
      defaultValue = "40000",
      paramLabel = "N",
      description = "requests per new-connection (ab) run (default: ${DEFAULT-VALUE})")
  long requests;

  @Option(
      names = "--crl-sizes",
      defaultValue = "10000,100000,1000000",
      split = ",",
      paramLabel = "N,...",
      description =
          "CRL sizes for the scale section (default: ${DEFAULT-VALUE}); the first and last are compared")
  List<Integer> crlSizes;

  @Option(
      names = "--skip",
      split = ",",
      paramLabel = "SECTION,...",
      description = "sections to leave out: balancer, ocsp, get, openssl, nonce, token, crl")
  List<String> skip = new ArrayList<>();

  @Option(
      names = "--jar",
      defaultValue = "cli/target/ocsp-cluster.jar",
      paramLabel = "FILE",
      description = "the ocsp-cluster jar (default: ${DEFAULT-VALUE})")
  Path jar;

  @Option(
      names = "--work",
      defaultValue = "benchmarks/target/bench",
      paramLabel = "DIR",
      description = "scratch folder: PKI, peer configs, logs (default: ${DEFAULT-VALUE})")
  Path work;

  @Option(
      names = "--out",
      defaultValue = "benchmarks/results",
      paramLabel = "DIR",
      description = "where results go (default: ${DEFAULT-VALUE})")
  Path out;

  static final String KEEP_ALIVE = "keep-alive POST";
  static final String NEW_CONNECTION = "new-connection POST";
  static final String GET = "pre-produced GET keep-alive";
  static final String OPENSSL = "new-connection POST vs openssl";
  static final String NONCE = "nonce POST signed per request";
  static final String CRL_LOOKUP = "CRL lookup";
  static final String NEW_CONNECTION_OCSP = "new-connection POST, OCSP-aware";
  static final String CACHE_GET = "edge cache GET keep-alive";
  static final String TOKEN = "nonce POST, signing key in a SoftHSM2 token vs in a file";
  static final List<String> TOOLS = List.of("wrk", "ab", "haproxy", "nginx", "openssl");

  private final PrintStream console = System.out;
  private final List<Run> runs = new ArrayList<>();
  private final List<Report.Check> checks = new ArrayList<>();
  private Processes processes;
  private Process member1;
  private Process member2;
  private Process balancer;
  private Process haproxy;
  private Process nginx;
  private Path pki;
  private int step;
  private int steps;

  public static void main(String[] args) {
    System.exit(new CommandLine(new EndToEnd()).execute(args));
  }

  /** A place the load is sent to, and the process in front of the members (null: none). */
  private record Endpoint(String name, String url, java.util.function.Supplier<Process> front) {
    Endpoint(String name, String url, Process fixed) {
      this(name, url, () -> fixed);
    }
  }

  private enum Tool {
    WRK_POST,
    WRK_POST_NONCE,
    WRK_GET,
    AB_POST
  }

  @Override
  public Integer call() throws Exception {
    List<String> missing = TOOLS.stream().filter(t -> which(t) == null).toList();
    if (!missing.isEmpty()) {
      System.err.println(
          "missing on the PATH: "
              + String.join(", ", missing)
              + ". Install them (Debian/Ubuntu: apt-get install wrk apache2-utils haproxy nginx openssl) and run again.");
      return 2;
    }
    if (!Files.isRegularFile(jar)) {
      System.err.println(
          "no "
              + jar
              + ": build it first (mvn -pl cli,benchmarks -am package -DskipTests), or use benchmarks/run");
      return 2;
    }
    deleteTree(work);
    Files.createDirectories(work);
    work = work.toAbsolutePath();
    int sectionRuns = (rounds + 1);
    steps =
        (skipped("balancer") ? 0 : 6 * sectionRuns)
            + (skipped("get") ? 0 : 2 * sectionRuns)
            + (skipped("openssl") ? 0 : 2 * sectionRuns)
            + (skipped("nonce") ? 0 : 2 * sectionRuns)
            + (skipped("token") ? 0 : 2 * sectionRuns)
            + (skipped("crl") ? 0 : crlSizes.size() + 1);
    try (Processes started = new Processes(work.resolve("logs"))) {
      processes = started;
      Ports ports = Ports.find();
      console.printf(
          "work folder %s; cluster port %d, members %d and %d, HAProxy %d, nginx %d, openssl %d%n",
          work,
          ports.cluster,
          ports.cluster + 1,
          ports.cluster + 2,
          ports.haproxy,
          ports.nginx,
          ports.openssl);
      startCluster(ports);
      Path request = work.resolve("request.der");
      Path nonceRequest = work.resolve("request-nonce.der");
      Processes.run(
          List.of(
              which("openssl"),
              "ocsp",
              "-issuer",
              pki.resolve("ca.pem").toString(),
              "-cert",
              pki.resolve("good.pem").toString(),
              "-no_nonce",
              "-reqout",
              request.toString()),
          Duration.ofSeconds(20));
      Processes.run(
          List.of(
              which("openssl"),
              "ocsp",
              "-issuer",
              pki.resolve("ca.pem").toString(),
              "-cert",
              pki.resolve("good.pem").toString(),
              "-reqout",
              nonceRequest.toString()),
          Duration.ofSeconds(20));
      Files.writeString(work.resolve("post.lua"), Wrk.postScript(request));
      Files.writeString(work.resolve("post-nonce.lua"), Wrk.postScript(nonceRequest));
      byte[] body = Files.readAllBytes(request);
      String getPath =
          "/"
              + URLEncoder.encode(
                  Base64.getEncoder().encodeToString(body), StandardCharsets.US_ASCII);

      Endpoint viaBalancer =
          new Endpoint("balancer", "http://127.0.0.1:" + ports.cluster + "/", balancer);
      Endpoint direct =
          new Endpoint(
              "direct to a member",
              "http://127.0.0.1:" + (ports.cluster + 1) + "/",
              (Process) null);
      awaitGood(viaBalancer.url, body, Duration.ofSeconds(90));
      startPeers(ports, direct.url + getPath.substring(1));
      Endpoint viaHaproxy =
          new Endpoint("HAProxy", "http://127.0.0.1:" + ports.haproxy + "/", haproxy);
      Endpoint staticNginx =
          new Endpoint("nginx static", "http://127.0.0.1:" + ports.nginx + "/", nginx);
      Endpoint openssl =
          new Endpoint(
              "openssl ocsp", "http://127.0.0.1:" + ports.openssl + "/", () -> opensslProcess);
      awaitGood(viaHaproxy.url, body, Duration.ofSeconds(20));
      awaitGood(staticNginx.url + getPath.substring(1), null, Duration.ofSeconds(20));

      warmUpJvms(viaBalancer, direct.url + getPath.substring(1), request);
      if (!skipped("balancer")) {
        section(KEEP_ALIVE, Tool.WRK_POST, List.of(viaBalancer, viaHaproxy, direct), request);
        section(NEW_CONNECTION, Tool.AB_POST, List.of(viaBalancer, viaHaproxy, direct), request);
      }
      if (!skipped("ocsp")) {
        Endpoint ocspAware =
            new Endpoint("balancer ocsp", "http://127.0.0.1:" + ports.ocspRule + "/", balancer);
        Endpoint cached =
            new Endpoint(
                "balancer ocsp + cache", "http://127.0.0.1:" + ports.cachedRule + "/", balancer);
        Endpoint haproxyHttp =
            new Endpoint(
                "HAProxy http-reuse", "http://127.0.0.1:" + ports.haproxyHttp + "/", haproxy);
        if (jitWarmup > 0) {
          // The OCSP-aware path is other code than the relay: let the JIT compile it too.
          for (String url : List.of(ocspAware.url(), cached.url())) {
            Processes.run(
                Wrk.command(
                    wrkThreads,
                    connections,
                    Duration.ofSeconds(Math.max(1, jitWarmup / 3)),
                    work.resolve("post.lua"),
                    url),
                Duration.ofSeconds(jitWarmup + 120L));
          }
        }
        section(
            NEW_CONNECTION_OCSP,
            Tool.AB_POST,
            List.of(ocspAware, haproxyHttp, cached, direct),
            request);
        section(
            CACHE_GET,
            Tool.WRK_GET,
            List.of(
                new Endpoint(
                    "balancer ocsp + cache", cached.url() + getPath.substring(1), balancer),
                new Endpoint("nginx static", staticNginx.url + getPath.substring(1), nginx)),
            request);
      }
      if (!skipped("get")) {
        section(
            GET,
            Tool.WRK_GET,
            List.of(
                new Endpoint("responder", direct.url + getPath.substring(1), (Process) null),
                new Endpoint("nginx static", staticNginx.url + getPath.substring(1), nginx)),
            request);
      }
      if (!skipped("openssl")) {
        section(
            OPENSSL,
            Tool.AB_POST,
            List.of(new Endpoint("responder", direct.url, (Process) null), openssl),
            request);
      }
      if (!skipped("nonce")) {
        nonceSection(direct, nonceRequest);
      }
      if (!skipped("token")) {
        tokenSection(ports, direct, nonceRequest, body);
      }
    }
    if (!skipped("crl")) {
      crlScale();
    }
    Report report = new Report(runs, comparisons(), checks);
    report.writeTo(out);
    Files.writeString(out.resolve("machine.txt"), machine(), StandardCharsets.UTF_8);
    console.println();
    console.print(report.table());
    console.printf("%nwritten: %s/{runs.csv,summary.csv,summary.md,ratios.svg,machine.txt}%n", out);
    return 0;
  }

  static List<Comparison> comparisons() {
    return List.of(
        new Comparison(
            "nonce POST: key in a SoftHSM2 token vs the same key type in a file",
            TOKEN,
            "key in a token",
            "key in a file",
            Metric.THROUGHPUT,
            Target.NONE),
        new Comparison(
            "balancer vs HAProxy, keep-alive",
            KEEP_ALIVE,
            "balancer",
            "HAProxy",
            Metric.THROUGHPUT,
            Target.atLeast(1.0)),
        new Comparison(
            "balancer vs HAProxy, keep-alive",
            KEEP_ALIVE,
            "balancer",
            "HAProxy",
            Metric.P99,
            Target.atMost(1.0)),
        new Comparison(
            "balancer vs HAProxy, new connection per request",
            NEW_CONNECTION,
            "balancer",
            "HAProxy",
            Metric.THROUGHPUT,
            Target.atLeast(1.0)),
        new Comparison(
            "balancer vs HAProxy, new connection per request",
            NEW_CONNECTION,
            "balancer",
            "HAProxy",
            Metric.P99,
            Target.atMost(1.0)),
        new Comparison(
            "balancer vs direct, keep-alive",
            KEEP_ALIVE,
            "balancer",
            "direct to a member",
            Metric.THROUGHPUT,
            Target.NONE),
        new Comparison(
            "balancer vs direct, keep-alive",
            KEEP_ALIVE,
            "balancer",
            "direct to a member",
            Metric.P99,
            Target.NONE),
        new Comparison(
            "balancer vs direct, new connection per request",
            NEW_CONNECTION,
            "balancer",
            "direct to a member",
            Metric.THROUGHPUT,
            Target.NONE),
        new Comparison(
            "balancer vs direct, new connection per request",
            NEW_CONNECTION,
            "balancer",
            "direct to a member",
            Metric.P99,
            Target.NONE),
        new Comparison(
            "balancer (ocsp) vs HAProxy (http, http-reuse always), new connection",
            NEW_CONNECTION_OCSP,
            "balancer ocsp",
            "HAProxy http-reuse",
            Metric.THROUGHPUT,
            Target.atLeast(1.2)),
        new Comparison(
            "balancer (ocsp) vs HAProxy (http, http-reuse always), new connection",
            NEW_CONNECTION_OCSP,
            "balancer ocsp",
            "HAProxy http-reuse",
            Metric.P99,
            Target.NONE),
        new Comparison(
            "balancer (ocsp, edge cache) vs direct, new connection",
            NEW_CONNECTION_OCSP,
            "balancer ocsp + cache",
            "direct to a member",
            Metric.THROUGHPUT,
            Target.atLeast(1.0)),
        new Comparison(
            "balancer (ocsp, edge cache) vs nginx static, keep-alive GET",
            CACHE_GET,
            "balancer ocsp + cache",
            "nginx static",
            Metric.THROUGHPUT,
            Target.atLeast(0.9)),
        new Comparison(
            "pre-produced GET vs nginx static",
            GET,
            "responder",
            "nginx static",
            Metric.THROUGHPUT,
            Target.atLeast(0.8)),
        new Comparison(
            "pre-produced GET vs nginx static",
            GET,
            "responder",
            "nginx static",
            Metric.P99,
            Target.NONE),
        new Comparison(
            "responder vs openssl ocsp, new connection",
            OPENSSL,
            "responder",
            "openssl ocsp",
            Metric.THROUGHPUT,
            Target.atLeast(2.0)),
        new Comparison(
            "nonce POST vs JMH signing ceiling",
            NONCE,
            "responder",
            "JMH signing",
            Metric.THROUGHPUT,
            Target.atLeast(0.7)),
        new Comparison(
            "CRL lookup, largest vs smallest CRL",
            CRL_LOOKUP,
            "largest",
            "smallest",
            Metric.TIME,
            Target.atMost(1.5)));
  }

  private void startCluster(Ports ports) throws IOException, InterruptedException {
    pki = work.resolve("pki");
    Processes.run(
        List.of(
            java(),
            "-jar",
            jar.toString(),
            "demo-pki",
            "--out",
            pki.toString(),
            "--port",
            Integer.toString(ports.cluster),
            "--admin-port",
            Integer.toString(ports.admin)),
        Duration.ofSeconds(60));
    Path yaml = pki.resolve("cluster.yaml");
    // Affinity none spreads loopback clients (one IP) over both members, as HAProxy's roundrobin
    // does.
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace("affinity: single", "affinity: none")
            .replace(
                "members:\n",
                """
                  - name: ocsp-aware
                    ports: %d
                    affinity: none
                    mode: ocsp
                  - name: ocsp-cached
                    ports: %d
                    affinity: none
                    mode: ocsp
                    ocsp:
                      cache: {}
                members:
                """
                    .formatted(ports.ocspRule, ports.cachedRule)));
    member1 = processes.start("responder-1", memberCommand(yaml, "responder-1"));
    member2 = processes.start("responder-2", memberCommand(yaml, "responder-2"));
    // The balancer runs as an operator runs it: through the launcher, with its JVM settings
    // (jvm/balancer.options), when this is the launcher's jar.
    Path launcher = Path.of("ocsp-cluster").toAbsolutePath();
    boolean launched =
        Files.isExecutable(launcher)
            && jar.toAbsolutePath()
                .normalize()
                .equals(launcher.resolveSibling("cli/target/ocsp-cluster.jar").normalize());
    List<String> balancerCommand = new ArrayList<>();
    if (launched) {
      balancerCommand.add(launcher.toString());
    } else {
      balancerCommand.addAll(List.of(java(), "-jar", jar.toString()));
    }
    balancerCommand.addAll(
        List.of(
            "balancer",
            "--config",
            yaml.toString(),
            "--data",
            work.resolve("balancer-data").toString()));
    balancer = processes.start("balancer", balancerCommand);
    processes.awaitListening("responder-1", member1, ports.cluster + 1, Duration.ofSeconds(60));
    processes.awaitListening("responder-2", member2, ports.cluster + 2, Duration.ofSeconds(60));
    processes.awaitListening("balancer", balancer, ports.cluster, Duration.ofSeconds(60));
  }

  private void startPeers(Ports ports, String getUrl) throws Exception {
    Path haproxyConfig = work.resolve("haproxy.cfg");
    Files.writeString(
        haproxyConfig,
        """
        global
          maxconn 8000
        defaults
          mode tcp
          timeout connect 2s
          timeout client 30s
          timeout server 30s
        frontend ocsp
          bind 127.0.0.1:%1$d
          default_backend members
        backend members
          balance roundrobin
          server responder-1 127.0.0.1:%3$d check inter 2s
          server responder-2 127.0.0.1:%4$d check inter 2s
        frontend ocsp-http
          mode http
          bind 127.0.0.1:%2$d
          default_backend members-http
        backend members-http
          mode http
          balance roundrobin
          http-reuse always
          server responder-1 127.0.0.1:%3$d check inter 2s
          server responder-2 127.0.0.1:%4$d check inter 2s
        """
            .formatted(ports.haproxy, ports.haproxyHttp, ports.cluster + 1, ports.cluster + 2));
    haproxy =
        processes.start(
            "haproxy", List.of(which("haproxy"), "-db", "-f", haproxyConfig.toString()));

    Path nginxHome = Files.createDirectories(work.resolve("nginx"));
    Path site = Files.createDirectories(nginxHome.resolve("site"));
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(getUrl)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    Files.write(site.resolve("response.der"), response.body());
    Files.writeString(
        nginxHome.resolve("nginx.conf"),
        """
        worker_processes auto;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %1$s/tmp-body;
          proxy_temp_path %1$s/tmp-proxy;
          fastcgi_temp_path %1$s/tmp-fastcgi;
          uwsgi_temp_path %1$s/tmp-uwsgi;
          scgi_temp_path %1$s/tmp-scgi;
          server {
            listen 127.0.0.1:%2$d;
            root %3$s;
            location / {
              default_type application/ocsp-response;
              try_files /response.der =404;
            }
          }
        }
        """
            .formatted(nginxHome, ports.nginx, site));
    nginx =
        processes.start(
            "nginx",
            List.of(
                which("nginx"),
                "-e",
                nginxHome.resolve("error.log").toString(),
                "-p",
                nginxHome.toString(),
                "-c",
                nginxHome.resolve("nginx.conf").toString()));
    processes.awaitListening("haproxy", haproxy, ports.haproxy, Duration.ofSeconds(20));
    processes.awaitListening("nginx", nginx, ports.nginx, Duration.ofSeconds(20));

    X509CertificateHolder good = Pem.readCertificate(pki.resolve("good.pem"));
    String expiry =
        DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(good.getNotAfter().toInstant());
    Files.writeString(
        work.resolve("index.txt"),
        "V\t"
            + expiry
            + "\t\t"
            + good.getSerialNumber().toString(16).toUpperCase(Locale.ROOT)
            + "\tunknown\t/CN=good\n");
    opensslPort = ports.openssl;
  }

  private int opensslPort;
  private Process opensslProcess;

  /**
   * {@code openssl ocsp} is started afresh before each of its runs: it serves one connection at a
   * time and spins forever on a client that connects and leaves without a request.
   */
  private void restartOpenssl() throws Exception {
    if (opensslProcess != null) {
      Processes.stop(opensslProcess);
    }
    Path log = work.resolve("logs").resolve("openssl.log");
    Files.deleteIfExists(log);
    opensslProcess =
        processes.start(
            "openssl",
            List.of(
                which("openssl"),
                "ocsp",
                "-index",
                work.resolve("index.txt").toString(),
                "-port",
                Integer.toString(opensslPort),
                "-rsigner",
                pki.resolve("ocsp-signer.pem").toString(),
                "-rkey",
                pki.resolve("ocsp-signer.key").toString(),
                "-CA",
                pki.resolve("ca.pem").toString()));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!(Files.exists(log)
        && Files.readString(log).contains("waiting for OCSP client connections"))) {
      if (!opensslProcess.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("openssl ocsp did not start; see " + log);
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  private void section(String name, Tool tool, List<Endpoint> endpoints, Path request)
      throws Exception {
    console.printf(
        "%n== %s: %s ==%n",
        name, String.join(" | ", endpoints.stream().map(Endpoint::name).toList()));
    byte[] body = Files.readAllBytes(request);
    for (Endpoint e : endpoints) {
      if (e.name().equals("openssl ocsp")) {
        restartOpenssl();
      }
      awaitGood(e.url(), tool == Tool.WRK_GET ? null : body, Duration.ofSeconds(20));
    }
    for (int round = 0; round <= rounds; round++) {
      for (int i = 0; i < endpoints.size(); i++) {
        // Rotate the order each round so no target always runs first (or right after a warm-up).
        Endpoint e = endpoints.get((i + round) % endpoints.size());
        runs.add(measure(name, e, tool, request, round));
      }
    }
  }

  /**
   * The JIT keeps compiling for the first minute under load (measured: the balancer's CPU per
   * request fell from 29 to 14 us between 15 s and 60 s of load, with the C2 compiler thread at 18%
   * of its CPU until then). Without this, the first minute measures the compiler, not the server.
   */
  private void warmUpJvms(Endpoint balancerEndpoint, String getUrl, Path request) throws Exception {
    if (jitWarmup <= 0) {
      return;
    }
    console.printf(
        "%nwarming up the JVMs for about %d s (keep-alive and new connections through the balancer, GET to a member)...%n",
        jitWarmup * 3 / 2);
    Duration limit = Duration.ofSeconds(jitWarmup + 120L);
    Processes.run(
        Wrk.command(
            wrkThreads,
            connections,
            Duration.ofSeconds(jitWarmup),
            work.resolve("post.lua"),
            balancerEndpoint.url()),
        limit);
    Path percentiles = work.resolve("ab-percentiles.csv");
    Processes.run(
        Ab.command(connections, requests, request, percentiles, balancerEndpoint.url()), limit);
    Processes.run(
        Wrk.command(
            wrkThreads, connections, Duration.ofSeconds(Math.max(1, jitWarmup / 3)), null, getUrl),
        limit);
  }

  /**
   * The same member configuration twice, its EC P-256 key once in a file (responder-1) and once in
   * a SoftHSM2 token (a member of its own): nonce POSTs, signed per request, in alternating rounds.
   */
  private void tokenSection(Ports ports, Endpoint direct, Path nonceRequest, byte[] body)
      throws Exception {
    if (!org.ocspcluster.testing.SoftHsm.available()) {
      console.printf(
          "%n== %s: skipped (needs softhsm2, opensc and SOFTHSM2_CONF, which benchmarks/run sets)"
              + " ==%n",
          TOKEN);
      step += 2 * (rounds + 1);
      return;
    }
    var hsm = org.ocspcluster.testing.SoftHsm.newToken(work.resolve("hsm"), "1234");
    hsm.ocspSigner(
        "ocsp-signer",
        org.ocspcluster.pki.Pem.readCertificate(pki.resolve("ca.pem")),
        new java.security.KeyPair(
            null, org.ocspcluster.pki.Pem.readPrivateKey(pki.resolve("ca.key"))));
    Path yaml = pki.resolve("token.yaml");
    Files.writeString(
        yaml,
        Files.readString(pki.resolve("cluster.yaml"))
            .replace("    signingCertificate: ocsp-signer.pem\n", "")
            .replace(
                "    signingKey: ocsp-signer.key\n",
                "    signingToken:\n      library: "
                    + org.ocspcluster.testing.SoftHsm.LIBRARY
                    + "\n      slot: "
                    + hsm.slot()
                    + "\n      keyLabel: ocsp-signer\n      pinFile: "
                    + hsm.pinFile()
                    + "\n")
            .replace(
                "revocationConfigurations:\n",
                "  - name: responder-token\n    address: 127.0.0.1:"
                    + ports.tokenMember
                    + "\n    priority: 9\n"
                    + "revocationConfigurations:\n"));
    List<String> command = new ArrayList<>();
    command.addAll(List.of("env", "SOFTHSM2_CONF=" + System.getenv("SOFTHSM2_CONF")));
    command.addAll(memberCommand(yaml, "responder-token"));
    processes.start("responder-token", command);
    Endpoint token =
        new Endpoint(
            "key in a token", "http://127.0.0.1:" + ports.tokenMember + "/", (Process) null);
    awaitGood(token.url(), body, Duration.ofSeconds(60));
    section(
        TOKEN,
        Tool.WRK_POST_NONCE,
        List.of(token, new Endpoint("key in a file", direct.url(), (Process) null)),
        nonceRequest);
  }

  /** A member of {@code yaml} in a JVM of its own, run from the ocsp-cluster jar. */
  private List<String> memberCommand(Path yaml, String name) {
    return List.of(
        java(), "-jar", jar.toString(), "responder", "--config", yaml.toString(), "--member", name);
  }

  private void nonceSection(Endpoint direct, Path nonceRequest) throws Exception {
    console.printf(
        "%n== %s: responder (a member, direct) | JMH signing ceiling, same key, %d threads ==%n",
        NONCE, Runtime.getRuntime().availableProcessors());
    for (int round = 0; round <= rounds; round++) {
      if (round % 2 == 0) {
        runs.add(
            measure(
                NONCE,
                new Endpoint("responder", direct.url(), (Process) null),
                Tool.WRK_POST_NONCE,
                nonceRequest,
                round));
        runs.add(jmhSigning(round));
      } else {
        runs.add(jmhSigning(round));
        runs.add(
            measure(
                NONCE,
                new Endpoint("responder", direct.url(), (Process) null),
                Tool.WRK_POST_NONCE,
                nonceRequest,
                round));
      }
    }
  }

  private Run measure(String section, Endpoint e, Tool tool, Path request, int round)
      throws Exception {
    if (e.name().equals("openssl ocsp")) {
      restartOpenssl();
    }
    long frontBefore = Processes.cpuMicros(e.front().get());
    long membersBefore = Processes.cpuMicros(member1) + Processes.cpuMicros(member2);
    Load load;
    Duration length = Duration.ofSeconds(round == 0 ? warmup : duration);
    Duration limit = length.plusSeconds(120);
    switch (tool) {
      case AB_POST -> {
        Path percentiles = work.resolve("ab-percentiles.csv");
        String report =
            Processes.run(Ab.command(connections, requests, request, percentiles, e.url()), limit);
        load = Ab.parse(report, Files.readAllLines(percentiles));
      }
      case WRK_GET ->
          load =
              Wrk.parse(
                  Processes.run(
                      Wrk.command(wrkThreads, connections, length, null, e.url()), limit));
      default ->
          load =
              Wrk.parse(
                  Processes.run(
                      Wrk.command(
                          wrkThreads,
                          connections,
                          length,
                          work.resolve(tool == Tool.WRK_POST ? "post.lua" : "post-nonce.lua"),
                          e.url()),
                      limit));
    }
    long frontCpu = Processes.cpuMicros(e.front().get()) - frontBefore;
    long memberCpu = Processes.cpuMicros(member1) + Processes.cpuMicros(member2) - membersBefore;
    double served = Math.max(1, load.requests());
    Run run =
        new Run(
            section,
            e.name(),
            round,
            load,
            e.front().get() == null ? Double.NaN : frontCpu / served,
            memberCpu / served,
            Processes.rssMiB(e.front().get()));
    progress(run);
    return run;
  }

  private Run jmhSigning(int round) throws Exception {
    Path result = work.resolve("jmh-signing.json");
    Processes.run(
        List.of(
            java(),
            "-jar",
            ownJar().toString(),
            "SigningBenchmark.signOneResponse",
            "-p",
            "key=P-256",
            "-p",
            "pkiDir=" + pki,
            "-t",
            Integer.toString(Runtime.getRuntime().availableProcessors()),
            "-f",
            "1",
            "-wi",
            "1",
            "-w",
            "2s",
            "-i",
            "1",
            "-r",
            duration + "s",
            "-rf",
            "json",
            "-rff",
            result.toString()),
        Duration.ofSeconds(duration + 180L));
    JsonNode first = new ObjectMapper().readTree(result.toFile()).get(0);
    Run run =
        new Run(
            NONCE,
            "JMH signing",
            round,
            Load.rateOnly(first.at("/primaryMetric/score").asDouble()),
            Double.NaN,
            Double.NaN,
            Double.NaN);
    progress(run);
    return run;
  }

  private void crlScale() throws Exception {
    console.printf("%n== CRL scale: %s entries ==%n", crlSizes);
    Path dir = work.resolve("crl");
    Pattern line =
        Pattern.compile("entries=(\\d+) load_ms=([0-9.]+) heap_bytes_per_entry=([0-9.]+)");
    for (int size : crlSizes) {
      String output =
          Processes.run(
              List.of(
                  java(),
                  "-Xmx6g",
                  "-cp",
                  ownJar().toString(),
                  "org.ocspcluster.benchmarks.scale.CrlScale",
                  "--entries",
                  Integer.toString(size),
                  "--dir",
                  dir.toString()),
              Duration.ofMinutes(15));
      Matcher m = line.matcher(output);
      if (!m.find()) {
        throw new IOException("CrlScale printed no result:\n" + output);
      }
      double loadMillis = Double.parseDouble(m.group(2));
      double perEntry = Double.parseDouble(m.group(3));
      checks.add(
          new Report.Check(
              String.format(Locale.ROOT, "CRL load time, %,d entries", size),
              loadMillis / 1000,
              "s",
              Target.NONE));
      checks.add(
          new Report.Check(
              String.format(Locale.ROOT, "heap per revoked entry, %,d entries", size),
              perEntry,
              "bytes",
              size == crlSizes.get(crlSizes.size() - 1) ? Target.atMost(200) : Target.NONE));
      step++;
      console.printf(
          "[%2d/%d] CRL of %,d entries: loaded in %.2f s, %.0f bytes of heap per entry%n",
          step, steps, size, loadMillis / 1000, perEntry);
    }
    Path result = work.resolve("jmh-crl.json");
    String sizes = String.join(",", crlSizes.stream().map(String::valueOf).toList());
    Processes.run(
        List.of(
            java(),
            "-Xmx6g",
            "-jar",
            ownJar().toString(),
            "CrlLookupBenchmark",
            "-p",
            "entries=" + sizes,
            "-p",
            "crlDir=" + dir,
            "-f",
            "1",
            "-wi",
            "2",
            "-w",
            "2s",
            "-i",
            Integer.toString(rounds),
            "-r",
            "2s",
            "-rf",
            "json",
            "-rff",
            result.toString()),
        Duration.ofMinutes(30));
    int smallest = crlSizes.get(0);
    int largest = crlSizes.get(crlSizes.size() - 1);
    for (JsonNode benchmark : new ObjectMapper().readTree(result.toFile())) {
      int entries = benchmark.at("/params/entries").asInt();
      JsonNode raw = benchmark.at("/primaryMetric/rawData/0");
      for (int i = 0; i < raw.size(); i++) {
        double nanos = raw.get(i).asDouble();
        String target =
            entries == smallest
                ? "smallest"
                : entries == largest ? "largest" : entries + " entries";
        runs.add(
            new Run(
                CRL_LOOKUP,
                target,
                i + 1,
                Load.rateOnly(1e9 / nanos),
                Double.NaN,
                Double.NaN,
                Double.NaN));
      }
      checks.add(
          new Report.Check(
              String.format(Locale.ROOT, "CRL lookup time, %,d entries", entries),
              benchmark.at("/primaryMetric/score").asDouble(),
              "ns",
              Target.NONE));
    }
    step++;
    console.printf("[%2d/%d] CRL lookups measured (JMH)%n", step, steps);
  }

  private void progress(Run run) {
    step++;
    Load l = run.load();
    String latency =
        Double.isNaN(l.p99Millis())
            ? ""
            : String.format(
                Locale.ROOT, ", p50 %.2f ms, p99 %.2f ms", l.p50Millis(), l.p99Millis());
    String errors = l.errors() > 0 ? String.format(Locale.ROOT, ", %d ERRORS", l.errors()) : "";
    console.printf(
        Locale.ROOT,
        "[%2d/%d] %-32s %-20s %s: %,10.0f req/s%s%s%n",
        step,
        steps,
        run.section(),
        run.target(),
        run.round() == 0 ? "warm-up" : "round " + run.round(),
        l.requestsPerSecond(),
        latency,
        errors);
  }

  /** Retries until {@code url} answers the request with a successful OCSP response saying good. */
  private static void awaitGood(String url, byte[] post, Duration limit) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + limit.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
        if (post != null) {
          request
              .POST(HttpRequest.BodyPublishers.ofByteArray(post))
              .header("Content-Type", "application/ocsp-request");
        }
        HttpResponse<byte[]> response =
            client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 200) {
          OCSPResp ocsp = new OCSPResp(response.body());
          if (ocsp.getStatus() == OCSPResp.SUCCESSFUL
              && ((BasicOCSPResp) ocsp.getResponseObject()).getResponses()[0].getCertStatus()
                  == null) {
            return;
          }
          last = "OCSP status " + ocsp.getStatus();
        } else {
          last = "HTTP " + response.statusCode();
        }
      } catch (IOException e) {
        last = e.toString();
      }
      LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
    }
    throw new IOException(
        url + " gave no good OCSP answer within " + limit.toSeconds() + " s: " + last);
  }

  private boolean skipped(String section) {
    return skip.contains(section);
  }

  private static String java() {
    return org.ocspcluster.benchmarks.endtoend.Processes.java();
  }

  private static Path ownJar() throws Exception {
    return Path.of(EndToEnd.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  static String which(String tool) {
    String path =
        System.getenv().getOrDefault("PATH", "")
            + File.pathSeparator
            + "/usr/sbin"
            + File.pathSeparator
            + "/sbin";
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  private static String machine() throws Exception {
    StringBuilder text = new StringBuilder();
    text.append("cores: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      lines
          .filter(l -> l.startsWith("model name"))
          .findFirst()
          .ifPresent(
              l ->
                  text.append("cpu: ").append(l.substring(l.indexOf(':') + 1).trim()).append('\n'));
    }
    try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
      lines
          .filter(l -> l.startsWith("MemTotal"))
          .findFirst()
          .ifPresent(l -> text.append(l).append('\n'));
    }
    text.append("java: ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.runtime.version"))
        .append('\n');
    for (List<String> version :
        List.of(
            List.of("wrk", "--version"),
            List.of("ab", "-V"),
            List.of("haproxy", "-v"),
            List.of("nginx", "-v"),
            List.of("openssl", "version"))) {
      List<String> command = new ArrayList<>(version);
      command.set(0, which(version.get(0)));
      String printed;
      try {
        printed = Processes.run(command, Duration.ofSeconds(10));
      } catch (IOException e) {
        printed = e.getMessage(); // wrk --version exits 1 after printing its version
      }
      text.append(version.get(0))
          .append(": ")
          .append(
              printed
                  .lines()
                  .filter(l -> !l.isBlank() && !l.contains(" exited with "))
                  .findFirst()
                  .orElse("?"))
          .append('\n');
    }
    return text.toString();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.startsWith(dir.resolve("crl"))) {
          Files.delete(p);
        }
      }
    } catch (java.nio.file.DirectoryNotEmptyException keptCrlCache) {
      // the generated CRLs are kept between runs: making a million-entry CRL takes a while
    }
  }

  /**
   * Free loopback ports: the cluster's tcp rule with its two members after it, one per peer, the
   * cluster's two OCSP-aware rules (without and with the edge cache) and HAProxy's HTTP front end.
   */
  private record Ports(
      int cluster,
      int admin,
      int haproxy,
      int nginx,
      int openssl,
      int ocspRule,
      int cachedRule,
      int haproxyHttp,
      int tokenMember) {
    static Ports find() throws IOException {
      for (int base = 21080; base < 30000; base += 20) {
        boolean free = true;
        for (int p = base; p < base + 11 && free; p++) {
          free = isFree(p);
        }
        if (free) {
          return new Ports(
              base, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8, base + 9,
              base + 10);
        }
      }
      throw new IOException("no 11 free consecutive ports between 21080 and 30000");
    }

    private static boolean isFree(int port) {
      try (var socket = new java.net.ServerSocket()) {
        socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }
}
