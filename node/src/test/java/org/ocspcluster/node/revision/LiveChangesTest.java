package org.ocspcluster.node.revision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigLoader;

class LiveChangesTest {
  static final String BASE =
      """
      cluster: {name: demo, fqdn: ocsp.test, ip: 198.51.100.1}
      portRules: [{name: ocsp-http, ports: 80}]
      members: [{name: responder-1, address: "198.51.100.21:8081", priority: 1}]
      revocationConfigurations:
        - {name: demo, caCertificate: ca.pem, signingCertificate: s.pem, signingKey: s.key, crl: ca.crl}
      frontEnds:
        - {name: fe1, address: 198.51.100.11, interface: eth0, priority: 1, failover: vrrp}
        - {name: fe2, address: 198.51.100.12, interface: eth0, priority: 2, failover: vrrp}
      """;

  static ClusterConfig parse(String yaml) throws Exception {
    return ConfigLoader.parse(Path.of("/etc/ocsp-cluster/cluster.yaml"), yaml);
  }

  @Test
  void aChangeToTheFrontEndsIsTakenAndNoticedNotRefused() throws Exception {
    ClusterConfig running = parse(BASE);
    ClusterConfig faster = parse(BASE + "failover: {vrrp: {advertInterval: 50ms}}\n");
    ClusterConfig third =
        parse(
            BASE
                + "  - {name: fe3, address: 198.51.100.13, interface: eth0, priority: 3,"
                + " failover: vrrp}\n");
    for (ClusterConfig next : List.of(faster, third)) {
      assertEquals(List.of(), LiveChanges.needingRestart(running, next, Set.of(), true, false));
      assertTrue(LiveChanges.frontEndsChanged(running, next));
    }
    assertFalse(LiveChanges.frontEndsChanged(running, parse(BASE)));
  }
}
