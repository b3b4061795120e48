package org.ocspcluster.balancer.forwarding;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ocsp.OCSPResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.balancer.Balancer;
import org.ocspcluster.config.Affinity;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.OcspForwarding;
import org.ocspcluster.config.PortRange;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.config.RuleMode;
import org.ocspcluster.health.HealthChecker;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.testing.TestClusters;

class OcspForwardingTest {
  @TempDir Path dir;
  final List<AutoCloseable> toClose = new ArrayList<>();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Map<String, HttpMember> members = new LinkedHashMap<>();
  HealthChecker health;
  final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** Members in handling priority order: the first takes every request while it answers well. */
  private Balancer start(OcspForwarding forwarding, String... names) throws Exception {
    List<Member> list = new ArrayList<>();
    int priority = 1;
    for (String name : names) {
      HttpMember m = new HttpMember(name);
      toClose.add(m);
      members.put(name, m);
      list.add(
          new Member(name, new HostPort("127.0.0.1", m.address().getPort()), priority++, null));
    }
    PortRule rule =
        new PortRule(
                "ocsp",
                null,
                PortRange.of(freePort()),
                null,
                FilteringMode.SINGLE_HOST,
                Affinity.NONE)
            .withMode(RuleMode.OCSP, forwarding);
    ClusterConfig config = TestClusters.of(rule, list, null, dir);
    health = new HealthChecker(config, Map.of(), new SimpleMeterRegistry());
    toClose.add(health);
    Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
    members.forEach((name, m) -> addresses.put(name, m.address()));
    Balancer balancer = Balancer.start(config, health, health, addresses, registry);
    toClose.add(balancer);
    return balancer;
  }

  private static OcspForwarding forwarding(int tries, int budget, int minPerSecond) {
    return new OcspForwarding(tries, Duration.ofMillis(300), budget, minPerSecond, 4);
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  private HttpResponse<byte[]> post(Balancer balancer, String path) throws Exception {
    InetSocketAddress at = balancer.localAddresses().get(0);
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/ocsp-request")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {0x30, 0x00}))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private double count(String name, String... tags) {
    return registry.find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Test
  void requestsFromNewClientConnectionsShareKeptAliveMemberConnections() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1");
    for (int i = 0; i < 20; i++) {
      // A fresh client each time: a new client connection per request, as OCSP clients do.
      HttpResponse<byte[]> r =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + balancer.localAddresses().get(0).getPort()
                                  + "/"))
                      .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {0x30, 0x00}))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, r.statusCode());
      assertArrayEquals(HttpMember.ocsp(OCSPResponseStatus.SUCCESSFUL), r.body());
    }
    assertEquals(20, members.get("m1").requests.get());
    int threads = Runtime.getRuntime().availableProcessors();
    assertTrue(
        members.get("m1").connections.get() <= threads,
        "20 requests over " + members.get("m1").connections.get() + " member connections");
  }

  @Test
  void aMemberThatClosesWithoutAnsweringIsRetriedOnTheNextAndTakenOut() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1", "m2");
    members.get("m1").act = HttpMember.Act.CLOSE;
    for (int i = 0; i < 20; i++) {
      HttpResponse<byte[]> r = post(balancer, "/" + i);
      assertEquals(200, r.statusCode());
      assertEquals("m2", r.headers().firstValue("X-Member").orElseThrow());
    }
    assertTrue(count("nlb.ocsp.retries", "outcome", "sent") > 0);
    assertTrue(count("nlb.ocsp.tries", "member", "m1", "result", "closed") > 0);
    // Passive health: a member failing forwarded requests is taken out, with the reason.
    MemberHealth m1 = health.health("m1");
    assertEquals(MemberHealth.State.DOWN, m1.state());
    assertTrue(m1.reason().contains("closed the connection before answering"), m1.reason());
  }

  @Test
  void aFrozenMemberCostsOneTryTimeoutNotTheAnswer() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1", "m2");
    members.get("m1").act = HttpMember.Act.HANG;
    for (int i = 0; i < 6; i++) {
      HttpResponse<byte[]> r = post(balancer, "/" + i);
      assertEquals(200, r.statusCode());
      assertEquals("m2", r.headers().firstValue("X-Member").orElseThrow());
    }
    assertTrue(count("nlb.ocsp.tries", "member", "m1", "result", "timeout") > 0);
  }

  @Test
  void tryLaterGoesToTheNextMemberAndEveryMemberSayingItGivesTheLastAnswer() throws Exception {
    Balancer balancer = start(forwarding(2, 100, 100), "m1", "m2");
    members.get("m1").act = HttpMember.Act.TRY_LATER;
    for (int i = 0; i < 6; i++) {
      HttpResponse<byte[]> r = post(balancer, "/" + i);
      assertEquals("m2", r.headers().firstValue("X-Member").orElseThrow());
    }
    members.get("m2").act = HttpMember.Act.TRY_LATER;
    HttpResponse<byte[]> r = post(balancer, "/both");
    assertEquals(200, r.statusCode());
    assertArrayEquals(HttpMember.ocsp(OCSPResponseStatus.TRY_LATER), r.body());
    assertEquals(1, count("nlb.ocsp.requests", "result", "last_answer"));
  }

  @Test
  void noMemberAnsweringGivesServiceUnavailableWithRetryAfter() throws Exception {
    Balancer balancer = start(forwarding(3, 100, 100), "m1", "m2");
    members.values().forEach(m -> m.act = HttpMember.Act.HTTP_500);
    HttpResponse<byte[]> last = post(balancer, "/");
    // Both members answered 500: the client gets the last of those answers.
    assertEquals(500, last.statusCode());
    members.values().forEach(m -> m.act = HttpMember.Act.CLOSE);
    HttpResponse<byte[]> none = post(balancer, "/");
    assertEquals(503, none.statusCode());
    assertEquals("1", none.headers().firstValue("Retry-After").orElseThrow());
  }

  @Test
  void theRetryBudgetBoundsRetriesToItsShareOfRequests() throws Exception {
    // 10% of requests, no floor: of 40 requests at most 4 may be retried.
    Balancer balancer = start(forwarding(3, 10, 0), "m1", "m2");
    members.get("m1").act = HttpMember.Act.HTTP_500;
    members.get("m2").act = HttpMember.Act.HTTP_500;
    for (int i = 0; i < 40; i++) {
      post(balancer, "/" + i);
    }
    double sent = count("nlb.ocsp.retries", "outcome", "sent");
    assertTrue(sent <= 4, sent + " retries sent");
    assertTrue(sent >= 1, "the budget allows some retries");
    assertTrue(count("nlb.ocsp.retries", "outcome", "over_budget") >= 30);
    assertEquals(40 + sent, members.get("m1").requests.get() + members.get("m2").requests.get());
  }

  @Test
  void pipelinedRequestsAreAnsweredInTheOrderSent() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1", "m2");
    try (Socket s = new Socket()) {
      s.connect(balancer.localAddresses().get(0));
      StringBuilder requests = new StringBuilder();
      for (String path : List.of("/a", "/b", "/c")) {
        requests.append("GET ").append(path).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
      }
      s.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      for (String path : List.of("/a", "/b", "/c")) {
        Map<String, String> headers = readResponseHead(in);
        assertEquals(path, headers.get("x-path"));
        in.readNBytes(Integer.parseInt(headers.get("content-length")));
      }
    }
  }

  @Test
  void anOversizedBodyPipelinedAfterARequestIsAnsweredInItsTurnThenTheConnectionCloses()
      throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1");
    try (Socket s = new Socket()) {
      s.connect(balancer.localAddresses().get(0));
      String both =
          "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
              + "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n"
              + "x".repeat(20000);
      s.getOutputStream().write(both.getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      Map<String, String> first = readResponseHead(in);
      assertEquals("/a", first.get("x-path"), "the earlier request is answered first");
      in.readNBytes(Integer.parseInt(first.get("content-length")));
      Map<String, String> second = readResponseHead(in);
      byte[] body = in.readNBytes(Integer.parseInt(second.get("content-length")));
      assertArrayEquals(HttpMember.ocsp(OCSPResponseStatus.MALFORMED_REQUEST), body);
      // Then the end of the stream, not a reset: the balancer shut its side and let the rest of
      // the body come, so nothing it sent was lost.
      assertEquals(-1, in.read(), "then the connection is closed");
    }
    assertEquals(1, members.get("m1").requests.get());
  }

  @Test
  void aClientThatHalfClosesAfterItsRequestGetsTheAnswerThenTheConnectionCloses() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1");
    try (Socket s = new Socket()) {
      s.connect(balancer.localAddresses().get(0));
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      Map<String, String> first = readResponseHead(in);
      assertEquals("/a", first.get("x-path"));
      in.readNBytes(Integer.parseInt(first.get("content-length")));
      assertEquals(-1, in.read(), "closed after the answer, not at the idle timeout");
    }
  }

  @Test
  void requestsPipelinedAfterConnectionCloseAreNotForwarded() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1");
    try (Socket s = new Socket()) {
      s.connect(balancer.localAddresses().get(0));
      s.getOutputStream()
          .write(
              String.join(
                      "\r\n",
                      "GET /a HTTP/1.1",
                      "Host: x",
                      "Connection: close",
                      "",
                      "GET /b HTTP/1.1",
                      "Host: x",
                      "",
                      "")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      Map<String, String> first = readResponseHead(in);
      assertEquals("/a", first.get("x-path"));
      in.readNBytes(Integer.parseInt(first.get("content-length")));
      assertEquals(-1, in.read());
    }
    assertEquals(1, members.get("m1").requests.get());
  }

  @Test
  void anHttp11RequestWithoutHostIsRefusedWith400AsTheMembersDo() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1");
    Process curl =
        new ProcessBuilder(
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "10",
                "-H",
                "Host:",
                "http://127.0.0.1:" + balancer.localAddresses().get(0).getPort() + "/")
            .start();
    String code = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertTrue(curl.waitFor(15, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals("400", code);
    assertEquals(0, members.get("m1").requests.get(), "no member was asked");
  }

  @Test
  void anOversizedBodyIsAnsweredMalformedRequestWithoutReachingAMember() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1");
    InetSocketAddress at = balancer.localAddresses().get(0);
    HttpResponse<byte[]> r =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + "/"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[64 * 1024]))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertArrayEquals(HttpMember.ocsp(OCSPResponseStatus.MALFORMED_REQUEST), r.body());
    assertEquals(0, members.get("m1").requests.get());
  }

  @Test
  void memberConnectionsInUseAreGaugedAndComeBackToZero() throws Exception {
    Balancer balancer = start(forwarding(3, 20, 10), "m1");
    post(balancer, "/");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                registry
                        .get("nlb.ocsp.member.connections")
                        .tags("member", "m1", "state", "open")
                        .gauge()
                        .value()
                    == 1.0);
    assertEquals(
        0.0,
        registry
            .get("nlb.ocsp.member.connections")
            .tags("member", "m1", "state", "in_use")
            .gauge()
            .value());
  }

  private static Map<String, String> readResponseHead(InputStream in) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    String status = readLine(in);
    assertTrue(status.startsWith("HTTP/1.1 200"), status);
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    return headers;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("closed before a line");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
