package org.ocspcluster.responder.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.responder.ocsp.OcspService;
import org.ocspcluster.responder.ocsp.TestCa;
import org.ocspcluster.testing.OcspRequests;

/** What curl, a client no one here wrote, sees of the members' HTTP (RFC 9110, RFC 9112). */
class HttpConformanceTest {
  @TempDir Path dir;
  TestCa demo;
  ExecutorService signing;
  final List<OcspHttpServer> servers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    demo = new TestCa(dir, "demo");
    signing = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void stop() {
    servers.forEach(OcspHttpServer::close);
    signing.shutdownNow();
  }

  /**
   * A member; its clock {@code offset} from the others, as members' clocks and signing times are.
   */
  private String member(Duration offset) throws InterruptedException {
    // Each member reads the CRL file itself, as members on other machines do.
    org.ocspcluster.responder.revocation.CrlRevocationSource own =
        new org.ocspcluster.responder.revocation.CrlRevocationSource(
            "demo", demo.crlFile, demo.pki.ca());
    assertTrue(own.refresh());
    org.ocspcluster.responder.ocsp.ServedCa served =
        new org.ocspcluster.responder.ocsp.ServedCa(
            "demo", demo.pki.ca(), own, demo.served.signer());
    OcspService service =
        new OcspService(List.of(served), signing, Clock.offset(Clock.systemUTC(), offset));
    OcspHttpServer server =
        OcspHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0), service, RequestMetrics.NONE, 1);
    servers.add(server);
    return "http://127.0.0.1:" + server.localAddress().getPort() + "/";
  }

  private String goodGet(String base) throws Exception {
    byte[] der =
        OcspRequests.request(OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()));
    return base
        + URLEncoder.encode(Base64.getEncoder().encodeToString(der), StandardCharsets.US_ASCII);
  }

  private Path body(byte[] der) throws IOException {
    Path file = Files.createTempFile(dir, "request", ".der");
    Files.write(file, der);
    return file;
  }

  /** Status line and headers (names lower case) of what curl got; the body's size under "-size". */
  private static Map<String, String> curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "-D", "-", "-o", "/dev/null"));
    command.addAll(List.of("-w", "-size: %{size_download}\\n", "--max-time", "10"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    assertTrue(p.waitFor(15, TimeUnit.SECONDS), "curl finished");
    Map<String, String> headers = new HashMap<>();
    for (String line : out.split("\r?\n")) {
      if (line.startsWith("HTTP/")) {
        headers.put("-status", line.split(" ")[1]);
      } else if (line.contains(":")) {
        int colon = line.indexOf(':');
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    assertTrue(headers.containsKey("-status"), "curl got an answer: " + out);
    return headers;
  }

  @Test
  void aNotModifiedAnswerCarriesTheLengthOfTheFullAnswerNotZero() throws Exception {
    String get = goodGet(member(Duration.ZERO));
    Map<String, String> full = curl(get);
    Map<String, String> notModified = curl("-H", "If-None-Match: " + full.get("etag"), get);
    assertEquals("304", notModified.get("-status"));
    assertEquals("0", notModified.get("-size"));
    assertEquals(full.get("content-length"), notModified.get("content-length"));
    assertNotEquals("0", full.get("content-length"));
  }

  @Test
  void everyAnswerCarriesADate() throws Exception {
    String base = member(Duration.ZERO);
    byte[] good =
        OcspRequests.request(OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()));
    byte[] withNonce =
        OcspRequests.requestWithNonce(
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
            OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()));
    String type = "Content-Type: application/ocsp-request";
    List<Map<String, String>> answers =
        List.of(
            curl("--data-binary", "@" + body(good), "-H", type, base),
            curl("--data-binary", "@" + body(withNonce), "-H", type, base),
            curl("--data-binary", "@" + body(good), "-H", "Content-Type: text/plain", base),
            curl("-X", "DELETE", base),
            curl(goodGet(base)));
    List<String> statuses = answers.stream().map(a -> a.get("-status")).toList();
    assertEquals(List.of("200", "200", "415", "405", "200"), statuses);
    for (Map<String, String> answer : answers) {
      assertTrue(answer.containsKey("date"), "a Date on " + answer);
    }
  }

  @Test
  void headIsAnsweredAsGetWithoutTheBody() throws Exception {
    String get = goodGet(member(Duration.ZERO));
    Map<String, String> full = curl(get);
    Map<String, String> head = curl("-I", get);
    assertEquals("200", head.get("-status"));
    assertEquals("0", head.get("-size"));
    assertEquals(full.get("content-length"), head.get("content-length"));
    assertEquals(full.get("content-type"), head.get("content-type"));
    assertEquals(full.get("etag"), head.get("etag"));
  }

  @Test
  void anHttp11RequestWithoutHostIsRefusedWith400() throws Exception {
    Map<String, String> answer = curl("-H", "Host:", goodGet(member(Duration.ZERO)));
    assertEquals("400", answer.get("-status"));
    assertTrue(answer.containsKey("date"));
  }

  @Test
  void twoMembersSigningTheSameAnswerAtDifferentTimesGiveTheSameValidator() throws Exception {
    String first = goodGet(member(Duration.ZERO));
    String second = goodGet(member(Duration.ofSeconds(7)));
    Map<String, String> fromFirst = curl(first);
    Map<String, String> fromSecond = curl(second);
    assertFalse(fromFirst.get("etag").isEmpty());
    assertEquals(fromFirst.get("etag"), fromSecond.get("etag"));
    assertEquals(fromFirst.get("last-modified"), fromSecond.get("last-modified"));
    assertEquals(
        "304", curl("-H", "If-None-Match: " + fromFirst.get("etag"), second).get("-status"));
  }
}
