package org.ocspcluster.responder.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.responder.ocsp.Answer;
import org.ocspcluster.responder.ocsp.OcspService;
import org.ocspcluster.responder.ocsp.Outcome;
import org.ocspcluster.responder.ocsp.TestCa;
import org.ocspcluster.testing.OcspRequests;

class OcspHttpServerTest {
  @TempDir Path dir;
  TestCa demo;
  ExecutorService signing;
  OcspHttpServer server;
  final ConcurrentLinkedQueue<Outcome> counted = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> methods = new ConcurrentLinkedQueue<>();
  final HttpClient http = HttpClient.newHttpClient();
  URI base;

  @BeforeEach
  void start() throws Exception {
    demo = new TestCa(dir, "demo");
    signing = Executors.newFixedThreadPool(2);
    OcspService service = new OcspService(List.of(demo.served), signing, Clock.systemUTC());
    server =
        OcspHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            service,
            new RequestMetrics() {
              @Override
              public void request(String method) {
                methods.add(method);
              }

              @Override
              public void answered(Answer a, long nanos) {
                counted.add(a.outcome());
              }
            },
            1);
    base = URI.create("http://127.0.0.1:" + server.localAddress().getPort() + "/");
  }

  @AfterEach
  void stop() {
    server.close();
    signing.shutdownNow();
  }

  private HttpResponse<byte[]> post(byte[] body, String type) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base)
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private byte[] revokedRequest() throws Exception {
    return OcspRequests.request(
        OcspRequests.sha1(demo.pki.ca(), demo.pki.revoked().getSerialNumber()));
  }

  @Test
  void postIsAnsweredWithTheOcspContentType() throws Exception {
    HttpResponse<byte[]> response = post(revokedRequest(), "application/ocsp-request");
    assertEquals(200, response.statusCode());
    assertEquals(
        "application/ocsp-response", response.headers().firstValue("content-type").orElseThrow());
    assertEquals(OCSPResp.SUCCESSFUL, OcspRequests.status(response.body()));
    assertEquals(List.of(Outcome.REVOKED), List.copyOf(counted));
  }

  @Test
  void getWithBase64UnderABasePathIsAnswered() throws Exception {
    String b64 = Base64.getEncoder().encodeToString(revokedRequest());
    String escaped = java.net.URLEncoder.encode(b64, java.nio.charset.StandardCharsets.US_ASCII);
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(base.resolve("/ocsp/" + escaped)).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, response.statusCode());
    assertTrue(
        OcspRequests.basic(response.body()).getResponses()[0].getCertStatus() != null, "revoked");
  }

  @Test
  void getAnswerCarriesRfc5019CachingHeadersAndHonoursIfNoneMatch() throws Exception {
    String b64 = Base64.getEncoder().encodeToString(revokedRequest());
    URI uri =
        base.resolve(
            "/" + java.net.URLEncoder.encode(b64, java.nio.charset.StandardCharsets.US_ASCII));
    HttpResponse<byte[]> first =
        http.send(
            HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    String cacheControl = first.headers().firstValue("cache-control").orElseThrow();
    assertTrue(
        cacheControl.matches("max-age=\\d+, public, no-transform, must-revalidate"), cacheControl);
    long maxAge = Long.parseLong(cacheControl.replaceAll("max-age=(\\d+),.*", "$1"));
    var single = OcspRequests.basic(first.body()).getResponses()[0];
    long untilNextUpdate =
        java.time.Duration.between(java.time.Instant.now(), single.getNextUpdate().toInstant())
            .toSeconds();
    // Kept until it is signed anew (its window, a day at most), never past its nextUpdate.
    long untilWindowEnds =
        java.time.Duration.between(
                java.time.Instant.now(),
                single.getThisUpdate().toInstant().plus(java.time.Duration.ofDays(1)))
            .toSeconds();
    assertTrue(
        maxAge <= untilNextUpdate + 1 && maxAge <= untilWindowEnds + 1 && maxAge > 0,
        maxAge + " vs " + untilNextUpdate + " and " + untilWindowEnds);
    assertEquals(
        java.time.ZonedDateTime.ofInstant(
            single.getNextUpdate().toInstant(), java.time.ZoneOffset.UTC),
        java.time.ZonedDateTime.parse(
            first.headers().firstValue("expires").orElseThrow(),
            java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME));
    assertTrue(first.headers().firstValue("last-modified").isPresent());
    String etag = first.headers().firstValue("etag").orElseThrow();

    HttpResponse<byte[]> second =
        http.send(
            HttpRequest.newBuilder(uri).header("If-None-Match", etag).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(304, second.statusCode());
    assertEquals(0, second.body().length);
    assertEquals(etag, second.headers().firstValue("etag").orElseThrow());

    HttpResponse<byte[]> other =
        http.send(
            HttpRequest.newBuilder(uri).header("If-None-Match", "\"something-else\"").GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, other.statusCode());
    assertTrue(List.copyOf(methods).stream().allMatch("GET"::equals));
  }

  @Test
  void postAnswerCarriesNoHttpCachingHeaders() throws Exception {
    HttpResponse<byte[]> response = post(revokedRequest(), "application/ocsp-request");
    assertTrue(response.headers().firstValue("cache-control").isEmpty());
    assertEquals(List.of("POST"), List.copyOf(methods));
  }

  @Test
  void garbageGetIsMalformedRequest() throws Exception {
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(base.resolve("/not-an-ocsp-request")).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, response.statusCode());
    assertEquals(OCSPResp.MALFORMED_REQUEST, OcspRequests.status(response.body()));
  }

  @Test
  void oversizedBodyIsMalformedRequestAndTheConnectionClosed() throws Exception {
    HttpResponse<byte[]> response =
        post(new byte[OcspHttpServer.MAX_BODY + 1], "application/ocsp-request");
    assertEquals(OCSPResp.MALFORMED_REQUEST, OcspRequests.status(response.body()));
    assertEquals("close", response.headers().firstValue("connection").orElse(""));
  }

  @Test
  void postWithAnotherContentTypeIsRefused() throws Exception {
    HttpResponse<byte[]> response = post(revokedRequest(), "text/plain");
    assertEquals(415, response.statusCode());
    assertNull(counted.peek(), "nothing was answered as OCSP");
  }

  @Test
  void aProxyProtocolV1HeaderIsTakenOffWhenAccepted() throws Exception {
    OcspHttpServer proxied =
        OcspHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            new OcspService(List.of(demo.served), signing, Clock.systemUTC()),
            RequestMetrics.NONE,
            1,
            true);
    try (java.net.Socket socket =
        new java.net.Socket("127.0.0.1", proxied.localAddress().getPort())) {
      byte[] body = revokedRequest();
      var out = socket.getOutputStream();
      out.write(
          ("PROXY TCP4 192.0.2.7 127.0.0.1 50000 8080\r\nPOST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  + "Content-Type: application/ocsp-request\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      String head =
          new String(
              socket.getInputStream().readNBytes(15), java.nio.charset.StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 200 OK", head);
    } finally {
      proxied.close();
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    byte[] good =
        OcspRequests.request(OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()));
    byte[] revoked = revokedRequest();
    try (java.net.Socket socket =
        new java.net.Socket("127.0.0.1", server.localAddress().getPort())) {
      var out = socket.getOutputStream();
      for (byte[] body : new byte[][] {revoked, good, revoked}) {
        out.write(rawPost(body));
      }
      out.flush();
      var in = new java.io.DataInputStream(socket.getInputStream());
      List<Boolean> revokedInOrder = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int length = -1;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        byte[] body = new byte[length];
        in.readFully(body);
        revokedInOrder.add(OcspRequests.basic(body).getResponses()[0].getCertStatus() != null);
      }
      assertEquals(List.of(true, false, true), revokedInOrder);
    }
  }

  @Test
  void aRefusalPipelinedAfterARequestStillBeingSignedWaitsForItsTurn() throws Exception {
    // Both signing threads held: the POST's answer cannot be ready before the refusal is decided.
    java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
    for (int i = 0; i < 2; i++) {
      signing.submit(
          () -> {
            hold.await();
            return null;
          });
    }
    byte[] body =
        OcspRequests.requestWithNonce(
            new byte[] {9, 8, 7, 6, 5, 4, 3, 2},
            OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()));
    try (java.net.Socket socket =
        new java.net.Socket("127.0.0.1", server.localAddress().getPort())) {
      var out = socket.getOutputStream();
      out.write(rawPost(body));
      out.write(
          "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n"
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(5))
          .until(() -> methods.size() == 2);
      hold.countDown();
      var in = new java.io.DataInputStream(socket.getInputStream());
      List<String> statuses = new java.util.ArrayList<>();
      for (int i = 0; i < 2; i++) {
        String status = readLine(in);
        statuses.add(status.substring(9, 12));
        int length = 0;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        in.readFully(new byte[length]);
      }
      assertEquals(List.of("200", "405"), statuses, "answers in the order asked");
    } finally {
      hold.countDown();
    }
  }

  /** An OCSP POST as it goes on the wire, head and body. */
  private static byte[] rawPost(byte[] body) {
    byte[] head =
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] wire = java.util.Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, wire, head.length, body.length);
    return wire;
  }

  private static String readLine(java.io.DataInputStream in) throws java.io.IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new java.io.EOFException();
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
