package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two front ends announce one cluster IP over BGP (the real bird, with BFD) to an upstream router
 * (bird too, installing both paths: ECMP with an L4 hash), in network namespaces: the front ends'
 * network with the members and the router, and the clients' network behind the router. Both front
 * ends carry traffic; losing one leaves the flows through the other untouched.
 */
class FrontEndEcmpEndToEndTest {
  static final String CLUSTER_IP = "203.0.113.200";
  static final List<String> CLIENTS =
      List.of("203.0.113.100", "203.0.113.101", "203.0.113.102", "203.0.113.103");

  @TempDir static Path dir;
  static FrontEndLab cluster;
  static NetnsLab lab;

  static final String ROUTER =
      """
      router id 198.51.100.254;
      protocol device { scan time 10; }
      protocol kernel {
        ipv4 { import none; export all; };
        merge paths on;
      }
      protocol bfd {
        interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
      }
      template bgp frontend {
        local 198.51.100.254 as 64500;
        hold time 3; keepalive time 1; connect retry time 1;
        bfd on;
        ipv4 { import all; export none; };
      }
      protocol bgp fe1 from frontend { neighbor 198.51.100.11 as 64512; }
      protocol bgp fe2 from frontend { neighbor 198.51.100.12 as 64512; }
      """;

  @BeforeAll
  static void buildTheNetworkAndStartEverything() throws Exception {
    NetnsLab.assumeAvailable("bird", "birdc", "curl", "setpriv", "openssl");
    cluster =
        FrontEndLab.create(
            dir,
            CLUSTER_IP,
            FrontEndLab.frontEnds("bgp")
                + """
            failover:
              bgp:
                asn: 64512
                routers:
                  - {address: 198.51.100.254, asn: 64500}
            """);
    lab = cluster.lab;
    for (String host : List.of("swa", "swb", "rt", "fe1", "fe2", "mem", "cl")) {
      lab.host(host);
    }
    lab.bridge("swa", "br0");
    lab.bridge("swb", "br0");
    lab.plug("rt", "eth0", "swa", "br0", "198.51.100.254/24");
    lab.plug("rt", "eth1", "swb", "br0", "203.0.113.126/25");
    lab.plug("fe1", "eth0", "swa", "br0", "198.51.100.11/24", "198.51.100.31/24");
    lab.plug("fe2", "eth0", "swa", "br0", "198.51.100.12/24", "198.51.100.32/24");
    lab.plug("mem", "eth0", "swa", "br0", "198.51.100.21/24", "198.51.100.22/24");
    lab.plug(
        "cl", "eth0", "swb", "br0", CLIENTS.stream().map(a -> a + "/25").toArray(String[]::new));
    for (String fe : List.of("fe1", "fe2")) {
      lab.in(fe, "ip", "route", "add", "default", "via", "198.51.100.254");
    }
    lab.in("cl", "ip", "route", "add", "default", "via", "203.0.113.126");
    lab.in("rt", "sysctl", "-w", "net.ipv4.ip_forward=1");
    lab.in("rt", "sysctl", "-w", "net.ipv4.fib_multipath_hash_policy=1");
    Files.writeString(dir.resolve("router.conf"), ROUTER);
    lab.startProgram(
        "rt",
        "router",
        "bird",
        "-f",
        "-c",
        dir.resolve("router.conf").toString(),
        "-s",
        dir.resolve("router.ctl").toString(),
        "-P",
        dir.resolve("router.pid").toString());
    cluster.startMembers();
    cluster.startFrontEnd("fe1");
    cluster.startFrontEnd("fe2");
    Files.writeString(dir.resolve("flow.sh"), FLOW);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (lab != null) {
      lab.stop();
    }
  }

  /** The next hops the router's kernel has for the cluster IP. */
  static int paths() throws Exception {
    String route = lab.in("rt", "ip", "route", "show", CLUSTER_IP).out();
    if (!route.contains(CLUSTER_IP)) {
      return 0;
    }
    int n = route.split("nexthop via", -1).length - 1;
    return n == 0 ? 1 : n;
  }

  @Test
  void bothFrontEndsAnnounceTheClusterIpAndCarryTraffic() throws Exception {
    awaitPaths(2);
    Clients.Run r = cluster.openssl();
    assertTrue(r.out().contains("Response verify OK") && r.out().contains(": good"), r.out());
    double[] before = {connections("fe1"), connections("fe2")};
    for (int i = 0; i < 10; i++) {
      for (String client : CLIENTS) {
        assertEquals("200", cluster.status(client));
      }
    }
    assertTrue(connections("fe1") > before[0], "fe1 carried some of the 40 requests");
    assertTrue(connections("fe2") > before[1], "fe2 carried some of the 40 requests");
    assertTrue(
        cluster.metrics("fe1").contains("nlb_front_end_active{front_end=\"fe1\"} 1.0"),
        "fe1 says it announces");
  }

  /**
   * A script holding one kept-alive HTTP connection to the cluster IP: one OCSP GET, then, once the
   * file $2 exists, a second on the same connection; prints both status lines.
   */
  static final String FLOW =
      """
      path=$1 go=$2
      exec 3<>/dev/tcp/CLUSTER_IP/80 || { echo "no-connection"; exit 0; }
      ask() {
        printf 'GET /%s HTTP/1.1\\r\\nHost: ocsp.test\\r\\n\\r\\n' "$path" >&3 2>/dev/null || { echo failed; return; }
        IFS= read -r -t 5 status <&3 || { echo failed; return; }
        len=0
        while IFS= read -r -t 5 h <&3; do
          h=${h%$'\\r'}
          [ -z "$h" ] && break
          case "$h" in [Cc]ontent-[Ll]ength:*) len=${h#*: } ;; esac
        done
        dd bs=1 count="$len" <&3 >/dev/null 2>&1
        echo "${status%$'\\r'}"
      }
      first=$(ask)
      while [ ! -e "$go" ]; do sleep 0.1; done
      second=$(ask)
      echo "$first|$second"
      """
          .replace("CLUSTER_IP", CLUSTER_IP);

  @Test
  void losingOneFrontEndLeavesTheFlowsThroughTheOtherUntouched() throws Exception {
    awaitPaths(2);
    String der = Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("req.der")));
    String path = URLEncoder.encode(der, StandardCharsets.US_ASCII);
    Path go = dir.resolve("go");
    Files.deleteIfExists(go);
    List<Process> flows = new ArrayList<>();
    List<Path> outputs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Path out = dir.resolve("flow-" + i + ".txt");
      outputs.add(out);
      flows.add(
          new ProcessBuilder(
                  "ip",
                  "netns",
                  "exec",
                  lab.ns("cl"),
                  "bash",
                  dir.resolve("flow.sh").toString(),
                  path,
                  go.toString())
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start());
    }
    try {
      onlyTheLostFrontEndsFlowsFail(flows, outputs, go);
    } finally {
      flows.forEach(Process::destroyForcibly);
      Files.writeString(go, "go");
    }
    // fe2 comes back and announces again.
    cluster.startFrontEnd("fe2");
    awaitPaths(2);
  }

  private static void onlyTheLostFrontEndsFlowsFail(
      List<Process> flows, List<Path> outputs, Path go) throws Exception {
    // Every flow has its first answer and is held open: count them on each front end.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> active("fe1") + active("fe2") == flows.size());
    int viaFirst = (int) active("fe1");
    int viaSecond = (int) active("fe2");
    assertTrue(viaFirst > 0 && viaSecond > 0, "flows on both: " + viaFirst + "/" + viaSecond);

    Process fe2 = lab.processOf("fe2");
    NetnsLab.signal(fe2, "KILL");
    awaitPaths(1);
    Files.writeString(go, "go");
    for (Process p : flows) {
      assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "a flow finished");
    }
    List<String> results = new ArrayList<>();
    for (Path out : outputs) {
      results.add(Files.readString(out).strip());
    }
    long bothAnswered =
        results.stream().filter(r -> r.equals("HTTP/1.1 200 OK|HTTP/1.1 200 OK")).count();
    assertEquals(
        viaFirst,
        bothAnswered,
        "every flow through fe1 got its second answer, none through fe2: " + results);
  }

  private static void awaitPaths(int n) {
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> paths() == n);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String why;
      try {
        why =
            lab.in("rt", "ip", "route").out()
                + "\n--- router\n"
                + FrontEndLab.tail(lab.log("router"))
                + "\n--- fe1\n"
                + FrontEndLab.tail(lab.log("fe1"))
                + "\n--- fe2\n"
                + FrontEndLab.tail(lab.log("fe2"));
      } catch (Exception x) {
        why = x.toString();
      }
      throw new AssertionError("the router does not have " + n + " path(s):\n" + why, e);
    }
  }

  private static double connections(String fe) throws Exception {
    return Clients.sum(cluster.metrics(fe), "nlb_connections_total");
  }

  private static double active(String fe) throws Exception {
    return Clients.sum(cluster.metrics(fe), "nlb_active_connections");
  }
}
