package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/** The Grafana dashboard and the alert rules name only metrics a running cluster exports. */
class MonitoringFilesTest {
  static final Path MONITORING = Path.of("..", "monitoring");
  static final Pattern METRIC = Pattern.compile("\\b((?:ocsp|nlb|jvm|process|system)_[a-z_]+)\\b");

  @TempDir Path dir;

  @Test
  void dashboardAndAlertsUseOnlyExportedMetrics() throws Exception {
    Set<String> used = new TreeSet<>();
    JsonNode dashboard =
        new ObjectMapper().readTree(MONITORING.resolve("grafana-dashboard.json").toFile());
    dashboard.findValues("expr").forEach(e -> names(e.asText(), used));
    JsonNode alerts =
        new ObjectMapper(new YAMLFactory()).readTree(MONITORING.resolve("alerts.yml").toFile());
    alerts.findValues("expr").forEach(e -> names(e.asText(), used));
    assertFalse(used.isEmpty());

    int[] free = Clients.freePorts(6);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    // A UDP rule and an OCSP rule with an edge cache too, so that their meters exist.
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "members:\n",
                "  - name: udp-test\n    ports: "
                    + free[4]
                    + "\n    protocol: udp\n  - name: ocsp-test\n    ports: "
                    + free[5]
                    + "\n    mode: ocsp\n    ocsp:\n      cache: {}\nmembers:\n")
            // A renewal policy (not due: the demo signer is valid a year), for its meters.
            .replace(
                "    refreshInterval: 1m\n",
                "    refreshInterval: 1m\n    renewal: {before: 1d, helper: /bin/false}\n"));
    String scrape;
    try (Node cluster = new Node(ConfigLoader.load(dir.resolve(DemoCluster.CONFIG_FILE)))) {
      cluster.useStore(
          new org.ocspcluster.coordination.FolderConfigStore(dir.resolve("revisions")),
          Files.readString(yaml),
          dir,
          "test");
      cluster.startSignerRenewal();
      cluster.startAllMembers();
      cluster.startBalancer();
      cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.health().anyUp());
      Clients.openssl(
          dir.resolve("ca.pem"),
          "http://localhost:" + ports.cluster() + "/",
          "-cert",
          dir.resolve("good.pem").toString());
      scrape =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + ports.admin() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
    }
    // An array controller's metrics too (on Curator's in-process ZooKeeper).
    try (org.apache.curator.test.TestingServer zookeeper =
            new org.apache.curator.test.TestingServer(true);
        ArrayLab lab = new ArrayLab(zookeeper.getConnectString(), "monitoring", dir)) {
      int admin = Clients.freePorts(1)[0];
      lab.controller(admin, "controller-m");
      scrape +=
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
    }
    Set<String> exported = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        exported.add(line.split(" ")[2]);
      } else if (!line.startsWith("#") && !line.isBlank()) {
        exported.add(line.split("[{ ]")[0]);
      }
    }
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(exported);
    assertTrue(missing.isEmpty(), "named in monitoring/ but not exported: " + missing);
  }

  private static void names(String expr, Set<String> into) {
    Matcher m = METRIC.matcher(expr);
    while (m.find()) {
      into.add(m.group(1));
    }
  }
}
