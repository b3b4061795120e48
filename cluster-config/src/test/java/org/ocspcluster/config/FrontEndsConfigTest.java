package org.ocspcluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrontEndsConfigTest {

  static final String PAIR =
      ConfigLoaderTest.VALID
          + """
          frontEnds:
            - name: fe-1
              address: 198.51.100.11
              interface: eth0
              priority: 1
              failover: vrrp
            - name: fe-2
              address: 198.51.100.12
              interface: eth0
              priority: 2
              failover: vrrp
          failover:
            vrrp:
              virtualRouterId: 7
              advertInterval: 50ms
          """;

  private static ClusterConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(Path.of("/etc/ocsp-cluster/cluster.yaml"), yaml);
  }

  private static List<ConfigException.Problem> problems(String yaml) {
    return assertThrows(ConfigException.class, () -> parse(yaml)).problems();
  }

  @Test
  void twoFrontEndsByVrrpAreReadWithTheirInterfaceAndPriority() throws Exception {
    ClusterConfig c = parse(PAIR);
    assertEquals(2, c.frontEnds().size());
    FrontEnd second = c.frontEnd("fe-2").orElseThrow();
    assertEquals("198.51.100.12", second.address());
    assertEquals("eth0", second.networkInterface());
    assertEquals(2, second.priority());
    assertEquals(FrontEnd.Failover.VRRP, second.failover());
    assertEquals(7, c.failover().vrrp().virtualRouterId());
    assertEquals(Duration.ofMillis(50), c.failover().vrrp().advertInterval());
    assertTrue(c.failover().vrrp().preempt(), "the first front end takes the IP back by default");
  }

  @Test
  void aConfigurationWithoutFrontEndsHasNone() throws Exception {
    assertTrue(parse(ConfigLoaderTest.VALID).frontEnds().isEmpty());
  }

  @Test
  void mixingVrrpAndBgpIsRefused() {
    List<ConfigException.Problem> p =
        problems(
            PAIR.replaceFirst("priority: 2\n(\\s+)failover: vrrp", "priority: 2\n$1failover: bgp"));
    assertTrue(
        p.stream().anyMatch(x -> x.field().equals("frontEnds") && x.reason().contains("same")),
        p.toString());
  }

  @Test
  void everyFrontEndProblemIsReportedAtOnceWithItsField() {
    String bad =
        PAIR.replace("address: 198.51.100.12", "address: 127.0.0.1")
            .replace("priority: 2", "priority: 1")
            .replace("interface: eth0\n    priority: 1", "priority: 1")
            .replace("advertInterval: 50ms", "advertInterval: 55ms")
            .replace("virtualRouterId: 7", "virtualRouterId: 300");
    List<String> fields = problems(bad).stream().map(ConfigException.Problem::field).toList();
    assertTrue(fields.contains("frontEnds[1].address"), fields.toString());
    assertTrue(fields.contains("frontEnds[1].priority"), fields.toString());
    assertTrue(fields.contains("failover.vrrp.advertInterval"), fields.toString());
    assertTrue(fields.contains("failover.vrrp.virtualRouterId"), fields.toString());
  }

  @Test
  void bgpNeedsAnAsNumberAndAtLeastOneRouter() {
    String bgp = PAIR.replace("failover: vrrp", "failover: bgp");
    List<String> fields = problems(bgp).stream().map(ConfigException.Problem::field).toList();
    assertTrue(fields.contains("failover.bgp.asn"), fields.toString());
    assertTrue(fields.contains("failover.bgp.routers"), fields.toString());
  }

  @Test
  void bgpWithRoutersIsRead() throws Exception {
    String bgp =
        PAIR.replace("failover: vrrp", "failover: bgp")
            + """
              bgp:
                asn: 64512
                routers:
                  - address: 198.51.100.254
                    asn: 64500
            """;
    ClusterConfig c = parse(bgp);
    assertEquals(64512L, c.failover().bgp().asn());
    assertEquals("198.51.100.254", c.failover().bgp().routers().get(0).address());
    assertTrue(c.failover().bgp().bfd(), "BFD is on by default");
  }

  @Test
  void whatTheEnginesWouldRefuseOrMisreadIsRefusedHere() {
    String bad =
        PAIR.replaceFirst("interface: eth0", "interface: ../../x")
            .replace("advertInterval: 50ms", "advertInterval: 50ms\n  readinessInterval: 5ms");
    List<String> fields = problems(bad).stream().map(ConfigException.Problem::field).toList();
    assertTrue(fields.contains("frontEnds[0].interface"), fields.toString());
    assertTrue(fields.contains("failover.readinessInterval"), fields.toString());

    String bgp =
        PAIR.replace("failover: vrrp", "failover: bgp")
                .replace("address: 198.51.100.11", "address: \"2001:db8::11\"")
            + """
              bgp:
                asn: 64512
                holdTime: 0s
                routers:
                  - {address: "2001:db8::fe", asn: 64500}
            """;
    fields = problems(bgp).stream().map(ConfigException.Problem::field).toList();
    assertTrue(fields.contains("frontEnds[0].address"), "BIRD's router id: " + fields);
    assertTrue(fields.contains("failover.bgp.holdTime"), fields.toString());
    assertTrue(
        fields.contains("failover.bgp.routers[0].address"),
        "an IPv6 router with only IPv4 cluster IPs: " + fields);
  }
}
