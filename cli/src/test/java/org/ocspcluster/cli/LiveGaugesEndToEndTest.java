package org.ocspcluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * The gauges that alerts read (data nextUpdate, signer expiry, revoked count) stay true across live
 * changes: Micrometer holds a gauge's object weakly, so a gauge bound to the first generation of a
 * configuration would read NaN after an apply and a GC.
 */
class LiveGaugesEndToEndTest {
  private static final List<String> GAUGES =
      List.of(
          "ocsp_revocation_source_next_update_seconds",
          "ocsp_signer_not_after_seconds",
          "ocsp_revocation_source_revoked");

  @TempDir Path dir;

  @Test
  void gaugesReadTheConfigurationInForceAfterALiveApplyAndAGarbageCollection() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoPki pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    DemoPki second = DemoPki.create("localhost", ports.cluster(), DemoPki.KeyType.RSA);
    second.writeTo(dir.resolve("second"));
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Path withSecond = Clients.withSecondCa(yaml, dir.resolve("with-second.yaml"));
    try (Node cluster = new Node(ConfigLoader.load(withSecond))) {
      cluster.useStore(
          new FolderConfigStore(dir.resolve("revisions")),
          Files.readString(withSecond),
          dir,
          "test");
      cluster.startAllMembers();
      cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));

      // Only the refresh interval changes: every served configuration is rebuilt beside the old
      // one.
      String slower =
          Files.readString(withSecond).replace("refreshInterval: 1m", "refreshInterval: 2m");
      assertTrue(cluster.apply(slower, dir, "test: slower refresh").applied());
      collectGarbage();

      String metrics = cluster.registry().scrape();
      for (String member : List.of("responder-1", "responder-2")) {
        for (String configuration : List.of("demo", "second")) {
          for (String gauge : GAUGES) {
            double value = sample(metrics, gauge, member, configuration);
            assertTrue(
                Double.isFinite(value),
                gauge + " for " + member + "/" + configuration + " is " + value);
          }
        }
        assertEquals(
            (double) pki.crl().getNextUpdate().toInstant().getEpochSecond(),
            sample(metrics, "ocsp_revocation_source_next_update_seconds", member, "demo"),
            1.0);
        assertEquals(
            (double) pki.signer().getNotAfter().toInstant().getEpochSecond(),
            sample(metrics, "ocsp_signer_not_after_seconds", member, "demo"),
            1.0);
        assertEquals(1.0, sample(metrics, "ocsp_revocation_source_revoked", member, "second"));
        assertEquals(
            (double) second.signer().getNotAfter().toInstant().getEpochSecond(),
            sample(metrics, "ocsp_signer_not_after_seconds", member, "second"),
            1.0);
      }

      // A configuration that leaves takes its gauges with it.
      assertTrue(cluster.apply(Files.readString(yaml), dir, "test: second removed").applied());
      collectGarbage();
      metrics = cluster.registry().scrape();
      for (String gauge : GAUGES) {
        assertFalse(
            metrics.contains("configuration=\"second\"")
                && metrics
                    .lines()
                    .anyMatch(
                        l -> l.startsWith(gauge + "{") && l.contains("configuration=\"second\"")),
            gauge + " still reports a configuration no longer served");
        assertTrue(Double.isFinite(sample(metrics, gauge, "responder-1", "demo")), gauge);
      }
    }
  }

  private static void collectGarbage() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
  }

  /**
   * The one sample of {@code gauge} for member and configuration; NaN when absent or unreadable.
   */
  private static double sample(String metrics, String gauge, String member, String configuration) {
    return metrics
        .lines()
        .filter(
            l ->
                l.startsWith(gauge + "{")
                    && l.contains("member=\"" + member + "\"")
                    && l.contains("configuration=\"" + configuration + "\""))
        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElse(Double.NaN);
  }
}
