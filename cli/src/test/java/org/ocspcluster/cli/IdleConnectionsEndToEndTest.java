package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.pki.DemoPki;

/**
 * A member (its own process, as in production) holding 10,000 idle client connections: what they
 * cost it in memory, that the next one is refused with 503, and that a held one is still served.
 */
class IdleConnectionsEndToEndTest {
  static final int HELD = 10_000;

  @TempDir Path dir;

  @Test
  void tenThousandIdleConnectionsAreHeldCheaplyAndTheNextIsRefused() throws Exception {
    long limit = openFileLimit();
    assumeTrue(
        limit >= HELD + 1_500,
        "needs " + (HELD + 1_500) + " file descriptors (ulimit -n), has " + limit);
    int[] free = Clients.freePorts(5);
    DemoCluster.write(
        dir,
        "localhost",
        new DemoCluster.Ports(free[0], free[1], free[2], free[3]),
        DemoPki.KeyType.EC);
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "admin:\n",
                """
        responder:
          maxConnections: %d
        admin:
        """
                    .formatted(HELD)));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process member =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "org.ocspcluster.cli.Main",
                "responder",
                "--config",
                yaml.toString(),
                "--member",
                "responder-1",
                "--admin",
                "127.0.0.1:" + free[4])
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("member.log").toFile())
            .start();
    List<Socket> held = new ArrayList<>();
    HttpClient http = HttpClient.newHttpClient();
    String metrics = "http://127.0.0.1:" + free[4] + "/metrics";
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(
              () ->
                  http.send(
                              HttpRequest.newBuilder(URI.create(metrics)).build(),
                              HttpResponse.BodyHandlers.ofString())
                          .statusCode()
                      == 200);
      double rssBefore = rssMiB(member);
      for (int i = 0; i < HELD; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", free[1]), 5_000);
        held.add(s);
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> gauge(http, metrics, "ocsp_connections_open") >= HELD);
      double rssAfter = rssMiB(member);

      Socket extra = new Socket();
      extra.connect(new InetSocketAddress("127.0.0.1", free[1]), 5_000);
      extra.setSoTimeout(5_000);
      String refusal = head(extra.getInputStream());
      extra.close();
      assertTrue(refusal.startsWith("HTTP/1.1 503"), refusal);

      Socket first = held.get(0);
      first.setSoTimeout(5_000);
      first
          .getOutputStream()
          .write("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertTrue(
          head(first.getInputStream()).startsWith("HTTP/1.1 200"),
          "a held connection is still served");

      System.out.printf(
          "idle connections: %,d held; member RSS %.0f -> %.0f MiB (%.1f KiB per connection); "
              + "connection %,d answered 503%n",
          HELD, rssBefore, rssAfter, (rssAfter - rssBefore) * 1024 / HELD, HELD + 1);
      assertTrue(rssAfter - rssBefore < 512, "10,000 idle connections must not cost half a GiB");
    } finally {
      for (Socket s : held) {
        s.close();
      }
      member.destroy();
      member.onExit().get();
    }
    assertTrue(!Files.readString(dir.resolve("member.log")).contains("LEAK:"), "no leak reported");
  }

  private static double gauge(HttpClient http, String url, String name) throws Exception {
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return text.lines()
        .filter(l -> l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static double rssMiB(Process p) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    throw new IOException("no VmRSS for " + p.pid());
  }

  private static long openFileLimit() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
      }
    }
    return 0;
  }

  private static String head(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }
}
