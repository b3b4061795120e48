package org.ocspcluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The cluster the front-end tests share: the demo PKI, two members on their own host (namespace
 * {@code mem}, 198.51.100.21 and .22), and front ends started as the product runs them ({@code
 * balancer --front-end NAME}), each in its own namespace, on a lab of {@link NetnsLab}.
 */
final class FrontEndLab {
  static final String TOKEN = "front-end-lab-token-0123456789";

  /**
   * Where each front end's admin listener is (frontEnds[].admin in the tests' cluster.yaml): an
   * address of its own beside the front end's, so a test can cut the admin path alone.
   */
  static final java.util.Map<String, String> ADMIN =
      java.util.Map.of("fe1", "198.51.100.31:9464", "fe2", "198.51.100.32:9464");

  final Path dir;
  final NetnsLab lab;
  final String clusterIp;

  private FrontEndLab(Path dir, NetnsLab lab, String clusterIp) {
    this.dir = dir;
    this.lab = lab;
    this.clusterIp = clusterIp;
  }

  /**
   * Writes the demo PKI and a cluster.yaml for {@code clusterIp} with {@code frontEnds} (YAML
   * appended as is), and an OCSP request for the good certificate ({@code req.der}).
   */
  static FrontEndLab create(Path dir, String clusterIp, String frontEnds) throws Exception {
    Clients.Said pki =
        Clients.cli("demo-pki", "--out", dir.toString(), "--fqdn", "ocsp.test", "--port", "80");
    assertEquals(0, pki.exit(), pki.out());
    Path yaml = dir.resolve("cluster.yaml");
    Files.writeString(
        yaml,
        Files.readString(yaml)
                .replaceFirst("ip: 127\\.0\\.0\\.1", "ip: " + clusterIp)
                .replace("127.0.0.1:81", "198.51.100.21:8081")
                .replace("127.0.0.1:82", "198.51.100.22:8082")
                // Front ends tell each other host states over their admin listeners: a token.
                .replace(
                    "  listen: 127.0.0.1:9464",
                    "  listen: 127.0.0.1:9464\n  tokenFile: admin.token")
            + frontEnds);
    Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");
    Files.setPosixFilePermissions(
        dir.resolve("admin.token"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Clients.Run req =
        Clients.run(
            List.of(
                "openssl",
                "ocsp",
                "-issuer",
                dir.resolve("ca.pem").toString(),
                "-cert",
                dir.resolve("good.pem").toString(),
                "-no_nonce",
                "-reqout",
                dir.resolve("req.der").toString()));
    assertEquals(0, req.exit(), req.out());
    return new FrontEndLab(dir, new NetnsLab(), clusterIp);
  }

  /**
   * The two front ends of these tests, fe1 first, with {@code failover} (vrrp or bgp), at the
   * addresses {@link #oneLan} gives them, their admin listeners at {@link #ADMIN}.
   */
  static String frontEnds(String failover) {
    return """
        frontEnds:
          - {name: fe1, address: 198.51.100.11, interface: eth0, priority: 1, failover: FAILOVER,
             admin: 198.51.100.31:9464}
          - {name: fe2, address: 198.51.100.12, interface: eth0, priority: 2, failover: FAILOVER,
             admin: 198.51.100.32:9464}
        """
        .replace("FAILOVER", failover);
  }

  /**
   * One LAN on a switch: two front ends (own address .11/.12, admin address .31/.32), the members'
   * host (.21, .22) and a client host with {@code clients}; interfaces are all eth0.
   */
  void oneLan(List<String> clients) throws Exception {
    for (String host : List.of("sw", "fe1", "fe2", "mem", "cl")) {
      lab.host(host);
    }
    lab.bridge("sw", "br0");
    lab.plug("fe1", "eth0", "sw", "br0", "198.51.100.11/24", "198.51.100.31/24");
    lab.plug("fe2", "eth0", "sw", "br0", "198.51.100.12/24", "198.51.100.32/24");
    lab.plug("mem", "eth0", "sw", "br0", "198.51.100.21/24", "198.51.100.22/24");
    lab.plug(
        "cl", "eth0", "sw", "br0", clients.stream().map(a -> a + "/24").toArray(String[]::new));
  }

  /** Starts both members in namespace {@code mem} (plugged by the caller). */
  void startMembers() throws Exception {
    for (String member : List.of("responder-1", "responder-2")) {
      lab.start(
          "mem",
          member,
          "responder",
          "--config",
          dir.resolve("cluster.yaml").toString(),
          "--member",
          member);
    }
  }

  /** Starts front end {@code fe} in its namespace, as {@code balancer --front-end fe}. */
  Process startFrontEnd(String fe) throws Exception {
    return lab.start(
        fe,
        fe,
        "balancer",
        "--config",
        dir.resolve("cluster.yaml").toString(),
        "--front-end",
        fe,
        "--data",
        dir.resolve(fe + "-data").toString());
  }

  /** The front end's /metrics, asked inside its namespace. */
  String metrics(String fe) throws Exception {
    return lab.in(fe, "curl", "-s", "-m", "5", "http://" + ADMIN.get(fe) + "/metrics").out();
  }

  /** GET {@code path} on the front end's admin listener. */
  String get(String fe, String path) throws Exception {
    return lab.in(fe, "curl", "-s", "-m", "5", "http://" + ADMIN.get(fe) + path).out();
  }

  /** POST {@code path} on the front end's admin listener, with the token. */
  String post(String fe, String path) throws Exception {
    return lab.in(
            fe,
            "curl",
            "-s",
            "-X",
            "POST",
            "-H",
            "Authorization: Bearer " + TOKEN,
            "http://" + ADMIN.get(fe) + path)
        .out();
  }

  /** The HTTP status of one OCSP POST to the cluster IP from client address {@code from}. */
  String status(String from) throws Exception {
    return lab.in(
            "cl",
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-m",
            "2",
            "-w",
            "%{http_code}",
            "--interface",
            from,
            "--data-binary",
            "@" + dir.resolve("req.der"),
            "-H",
            "Content-Type: application/ocsp-request",
            "http://" + clusterIp + "/")
        .out()
        .strip();
  }

  /** {@code openssl ocsp} from the client host against the cluster IP, for the good certificate. */
  Clients.Run openssl() throws Exception {
    return lab.in(
        "cl",
        "openssl",
        "ocsp",
        "-issuer",
        dir.resolve("ca.pem").toString(),
        "-CAfile",
        dir.resolve("ca.pem").toString(),
        "-cert",
        dir.resolve("good.pem").toString(),
        "-url",
        "http://" + clusterIp + "/");
  }

  static String tail(String log) {
    List<String> lines = log.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
