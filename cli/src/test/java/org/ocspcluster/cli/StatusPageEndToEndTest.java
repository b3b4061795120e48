package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * The admin listener's status page in a real browser (Debian's headless Chromium, which .ci/run
 * installs): a member being drained is shown as draining. A screenshot is kept in target/.
 */
class StatusPageEndToEndTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @TempDir Path dir;

  private List<String> chromium(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                CHROMIUM.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + dir.resolve("chromium-" + System.nanoTime()),
                "--virtual-time-budget=5000"));
    command.addAll(List.of(args));
    return command;
  }

  @Test
  void aDrainingMemberIsShownAsDraining() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (.ci/run installs it)");
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    try (Node cluster = new Node(ConfigLoader.load(dir.resolve(DemoCluster.CONFIG_FILE)))) {
      cluster.startAllMembers();
      cluster.startBalancer();
      cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.health().anyUp());
      try (Socket held = new Socket()) {
        held.connect(new InetSocketAddress("127.0.0.1", ports.cluster()));
        await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () ->
                    cluster.balancer().query().members().stream()
                        .anyMatch(m -> m.activeConnections() > 0));
        String busy =
            cluster.balancer().query().members().stream()
                .filter(m -> m.activeConnections() > 0)
                .findFirst()
                .orElseThrow()
                .name();
        cluster.balancer().control().drainstop(busy);
        String page = "http://127.0.0.1:" + ports.admin() + "/";
        Clients.Run dom = Clients.run(chromium("--dump-dom", page));
        String row =
            dom.out().replaceAll("(?s).*(<tr id=\"member-" + busy + "\">.*?</tr>).*", "$1");
        assertTrue(
            row.startsWith("<tr id=\"member-" + busy + "\">") && row.contains(">draining<"),
            "the page shows " + busy + " draining: " + row);
        Path screenshot = Path.of("target", "status-page.png").toAbsolutePath();
        Clients.Run shot =
            Clients.run(chromium("--window-size=1400,700", "--screenshot=" + screenshot, page));
        assertEquals(0, shot.exit(), shot.out());
        assertTrue(Files.size(screenshot) > 10_000, "a screenshot was written to " + screenshot);
      }
    }
  }
}
