package org.ocspcluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.node.admin.AdminServer;

class AdminTokenTest {
  static final String TOKEN = "3f1c9a7be2d84c06a5b1e9f07c2d4a68";

  @TempDir Path dir;
  AdminServer server;
  final AtomicInteger refreshes = new AtomicInteger();
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void adminListenerWithAToken() {
    server =
        AdminServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            Map.of(
                "/refresh",
                (method, path, query, body, caller) -> {
                  if ("POST".equals(method)) {
                    refreshes.incrementAndGet();
                    return AdminServer.Reply.text(200, "refreshed\n");
                  }
                  return AdminServer.Reply.text(200, "refreshes so far: " + refreshes.get() + "\n");
                }),
            () -> TOKEN);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> post(String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + address() + "/refresh"))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String address() {
    return "127.0.0.1:" + server.localAddress().getPort();
  }

  @Test
  void aChangingCallWithoutTheRightBearerTokenIsRefusedAndChangesNothing() throws Exception {
    HttpResponse<String> none = post(null);
    assertEquals(401, none.statusCode());
    assertTrue(none.body().contains("--admin-token-file"), none.body());
    assertEquals(401, post("Bearer " + TOKEN.substring(0, 31) + "0").statusCode());
    assertEquals(401, post("Basic " + TOKEN).statusCode());
    assertEquals(401, post("Bearer " + TOKEN + TOKEN).statusCode());
    assertEquals(0, refreshes.get());

    assertEquals(200, post("Bearer " + TOKEN).statusCode());
    assertEquals(1, refreshes.get());
  }

  @Test
  void aClusterWithATokenFileRefusesChangesWithoutItAndNeverLogsIt() throws Exception {
    Path cluster = dir.resolve("cluster");
    int[] free = Clients.freePorts(4);
    org.ocspcluster.cli.demo.DemoCluster.write(
        cluster,
        "localhost",
        new org.ocspcluster.cli.demo.DemoCluster.Ports(free[0], free[1], free[2], free[3]),
        org.ocspcluster.pki.DemoPki.KeyType.EC);
    Path tokenFile = cluster.resolve("admin.token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    Path yaml = cluster.resolve("cluster.yaml");
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "  listen: 127.0.0.1:" + free[3],
                "  listen: 127.0.0.1:" + free[3] + "\n  tokenFile: admin.token"));

    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try (org.ocspcluster.node.Node process =
        new org.ocspcluster.node.Node(org.ocspcluster.config.ConfigLoader.load(yaml))) {
      process.startAllMembers();
      AdminServer admin = process.startAdmin(new InetSocketAddress("127.0.0.1", free[3]));
      String at = "127.0.0.1:" + admin.localAddress().getPort();
      Clients.Said refused = Clients.cli("refresh", "--admin", at);
      assertEquals(1, refused.exit(), refused.out());
      Clients.Said done =
          Clients.cli("refresh", "--admin", at, "--admin-token-file", tokenFile.toString());
      assertEquals(0, done.exit(), done.out());
      assertEquals(
          200,
          http.send(
                  HttpRequest.newBuilder(URI.create("http://" + at + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode(),
          "reads need no token");
    } finally {
      root.detachAppender(logs);
    }
    assertTrue(logs.list.size() > 3, "the cluster logged as it ran");
    for (var event : logs.list) {
      assertTrue(
          !event.getFormattedMessage().contains(TOKEN),
          "logged the token: " + event.getFormattedMessage());
      String key = Files.readString(cluster.resolve("ocsp-signer.key"));
      String keyBody = key.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
      assertTrue(!event.getFormattedMessage().contains(keyBody), "logged key material");
    }
  }

  @Test
  void readsStayOpenForMonitoring() throws Exception {
    HttpResponse<String> read =
        http.send(
            HttpRequest.newBuilder(URI.create("http://" + address() + "/refresh")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, read.statusCode());
  }

  @Test
  void verbsSendTheTokenFromAFileAndSayWhatIsMissingWithoutIt() throws Exception {
    Clients.Said refused = Clients.cli("refresh", "--admin", address());
    assertEquals(1, refused.exit(), refused.out());
    assertTrue(refused.out().contains("OCSP_CLUSTER_ADMIN_TOKEN"), refused.out());

    Path tokenFile = dir.resolve("admin.token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    Clients.Said done =
        Clients.cli("refresh", "--admin", address(), "--admin-token-file", tokenFile.toString());
    assertEquals(0, done.exit(), done.out());
    assertEquals(1, refreshes.get());
    assertTrue(!done.out().contains(TOKEN), "the token is never printed");
  }
}
