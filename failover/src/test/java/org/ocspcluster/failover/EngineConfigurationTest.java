package org.ocspcluster.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigLoader;

/**
 * The engines' configurations say what cluster.yaml says, and the engines themselves accept them
 * ({@code keepalived --config-test}, {@code bird -p}; skipped, saying why, where not installed).
 */
class EngineConfigurationTest {

  static final String BASE =
      """
      cluster:
        name: demo
        fqdn: ocsp.example.test
        ip: 198.51.100.1
        additionalIps: [198.51.100.2, "2001:db8::1"]
      portRules:
        - name: ocsp-http
          ports: 80
          protocol: tcp
      members:
        - name: responder-1
          address: 198.51.100.21:8081
          priority: 1
      revocationConfigurations:
        - name: demo
          caCertificate: ca.pem
          signingCertificate: signer.pem
          signingKey: signer.key
          crl: ca.crl
      frontEnds:
        - {name: fe-1, address: 198.51.100.11, interface: veth1, priority: 1, failover: FAILOVER}
        - {name: fe-2, address: 198.51.100.12, interface: veth2, priority: 2, failover: FAILOVER}
      failover:
        vrrp: {virtualRouterId: 42, advertInterval: 100ms, unicast: true, preempt: false}
        bgp:
          asn: 64512
          routers:
            - {address: 198.51.100.254, asn: 64500}
      """;

  @TempDir Path dir;

  static ClusterConfig config(String failover) throws Exception {
    return ConfigLoader.parse(
        Path.of("/etc/ocsp-cluster/cluster.yaml"), BASE.replace("FAILOVER", failover));
  }

  @Test
  void keepalivedGetsOneVrrpV3InstanceWithEveryClusterIpAndTheTrackedReadiness() throws Exception {
    ClusterConfig c = config("vrrp");
    String conf =
        KeepalivedConf.render(
            c, c.frontEnd("fe-2").orElseThrow(), dir.resolve("balancer-ready"), 7);
    assertTrue(conf.contains("vrrp_version 3"), conf);
    assertTrue(conf.contains("interface veth2"), conf);
    assertTrue(conf.contains("virtual_router_id 42"), conf);
    assertTrue(conf.contains("priority 245"), "priority 2 is VRRP 245: " + conf);
    assertTrue(conf.contains("advert_int 0.10"), conf);
    assertTrue(conf.contains("nopreempt"), conf);
    assertTrue(conf.contains("unicast_src_ip 198.51.100.12"), conf);
    assertTrue(conf.contains("    198.51.100.11\n"), "the other front end is the unicast peer");
    assertFalse(conf.contains("    198.51.100.12\n"), "not itself");
    assertTrue(conf.contains("198.51.100.1/32") && conf.contains("198.51.100.2/32"), conf);
    assertTrue(
        conf.contains("virtual_ipaddress_excluded {\n    2001:db8::1/128"),
        "the other family moves with the instance: " + conf);
    assertTrue(conf.contains("file \"" + dir.resolve("balancer-ready") + "\""), conf);
    assertTrue(conf.contains("revision 7"), conf);
    // The engine checks that the interface exists (and is not loopback): use one this machine has.
    String nic =
        java.net.NetworkInterface.networkInterfaces()
            .filter(n -> !n.getName().equals("lo") && n.getName().matches("[A-Za-z0-9_.-]+"))
            .map(java.net.NetworkInterface::getName)
            .findFirst()
            .orElse(null);
    assumeTrue(nic != null, "this machine has no network interface but loopback to check against");
    accepted(
        conf.replace("interface veth2", "interface " + nic),
        "keepalived.conf",
        "keepalived",
        "--config-test",
        "--use-file=%s");
  }

  @Test
  void priorityOneIsFirstForVrrp() {
    assertTrue(KeepalivedConf.vrrpPriority(1) > KeepalivedConf.vrrpPriority(2));
    assertEquals(95, KeepalivedConf.vrrpPriority(32));
  }

  @Test
  void birdAnnouncesOnlyTheClusterIpsWithItselfAsNextHopAndBfd() throws Exception {
    ClusterConfig c = config("bgp");
    String conf = BirdConf.render(c, c.frontEnd("fe-1").orElseThrow(), 3);
    assertTrue(conf.contains("router id 198.51.100.11;"), conf);
    assertTrue(conf.contains("route 198.51.100.1/32 blackhole;"), conf);
    assertTrue(conf.contains("route 2001:db8::1/128 blackhole;"), conf);
    assertTrue(conf.contains("disabled;"), "nothing is announced before the balancer is ready");
    assertTrue(conf.contains("local 198.51.100.11 as 64512;"), conf);
    assertTrue(conf.contains("neighbor 198.51.100.254 as 64500;"), conf);
    assertTrue(conf.contains("bfd on;"), conf);
    assertTrue(conf.contains("export where proto = \"cluster_ips4\";"), conf);
    assertTrue(conf.contains("next hop self;"), conf);
    accepted(conf, "bird.conf", "bird", "-p", "-c", "%s");
  }

  /** Runs the engine's own check of {@code conf}; skipped where the engine is not installed. */
  private void accepted(String conf, String file, String... command) throws Exception {
    Path path = dir.resolve(file);
    Files.writeString(path, conf);
    List<String> argv =
        java.util.Arrays.stream(command).map(a -> a.replace("%s", path.toString())).toList();
    Process p;
    try {
      p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    } catch (IOException e) {
      assumeTrue(
          false, command[0] + " is not installed (Debian: keepalived, bird2): " + e.getMessage());
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), command[0] + " did not finish");
    assertEquals(
        0, p.exitValue(), command[0] + " refused the configuration:\n" + out + "\n" + conf);
  }
}
