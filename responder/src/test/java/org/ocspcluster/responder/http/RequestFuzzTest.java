package org.ocspcluster.responder.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.responder.ocsp.OcspService;
import org.ocspcluster.responder.ocsp.TestCa;
import org.ocspcluster.testing.OcspRequests;

/**
 * Hostile input on the request path, generated: mutated and truncated DER, lengths that claim more
 * than is sent, random bytes, bad base64 and percent-encoding in GET, wrong content types, huge
 * request lines and headers, bodies past the bound, garbage instead of HTTP. Every input must get
 * an answer within a bounded time: HTTP 200 carrying a well-formed OCSPResponse (malformedRequest
 * for what is not a request; a mutated request that still parses is answered like any other), or
 * HTTP 4xx. Never a 5xx, a hang or a silent close; no buffer leaks (the leak guard runs at
 * paranoid); and the server still answers correctly afterwards.
 *
 * <p>CI runs {@value #DEFAULT_CASES} cases. A long run: {@code mvn -pl responder -am test
 * -Dtest=RequestFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Docsp.fuzz.cases=200000}; a
 * failing case prints its seed, and {@code -Docsp.fuzz.seed=N} replays it.
 */
class RequestFuzzTest {
  static final int DEFAULT_CASES = 1500;
  static final int ANSWER_WITHIN_MILLIS = 5_000;

  @TempDir Path dir;
  TestCa demo;
  ExecutorService signing;
  OcspHttpServer server;
  int port;
  byte[] valid;

  @BeforeEach
  void start() throws Exception {
    demo = new TestCa(dir, "demo");
    signing = Executors.newFixedThreadPool(2);
    OcspService service = new OcspService(List.of(demo.served), signing, Clock.systemUTC());
    server =
        OcspHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0), service, RequestMetrics.NONE, 2);
    port = server.localAddress().getPort();
    valid =
        OcspRequests.request(OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()));
  }

  @AfterEach
  void stop() {
    server.close();
    signing.shutdownNow();
  }

  /** What one generated input is, and what it may be answered with. */
  private record Case(String kind, byte[] wire, boolean mustBeMalformed) {}

  @Test
  void everyHostileInputIsAnsweredMalformedOr4xxInBoundedTimeAndTheServerStaysWell()
      throws Exception {
    int cases = Integer.getInteger("ocsp.fuzz.cases", DEFAULT_CASES);
    long seed = Long.getLong("ocsp.fuzz.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < cases; i++) {
      long caseSeed = random.nextLong();
      Case c = generate(new SplittableRandom(caseSeed));
      String outcome;
      try {
        outcome = judge(c, exchange(c.wire()));
      } catch (AssertionError | IOException e) {
        fail(
            "case "
                + i
                + " ("
                + c.kind()
                + ", replay with -Docsp.fuzz.seed="
                + seed
                + "; case seed "
                + caseSeed
                + "): "
                + e.getMessage()
                + "\ninput: "
                + printable(c.wire()),
            e);
        return;
      }
      seen.merge(c.kind() + " -> " + outcome, 1, Integer::sum);
    }
    System.out.println("fuzz seed " + seed + ", " + cases + " cases: " + seen);
    assertTrue(
        seen.keySet().stream().anyMatch(k -> k.endsWith("malformedRequest")),
        "the generator reaches the parser");
    assertTrue(
        seen.keySet().stream().anyMatch(k -> k.contains("-> HTTP 4")), "and the HTTP bounds");

    // Still serving, and still right.
    byte[] answer = body(exchange(post("application/ocsp-request", valid)));
    assertEquals(OCSPResp.SUCCESSFUL, new OCSPResp(answer).getStatus());
  }

  private Case generate(SplittableRandom r) {
    return switch (r.nextInt(10)) {
      case 0 -> new Case("mutated DER", post("application/ocsp-request", mutate(valid, r)), false);
      case 1 ->
          new Case(
              "truncated DER",
              post("application/ocsp-request", Arrays.copyOf(valid, r.nextInt(valid.length))),
              true);
      case 2 ->
          new Case("inflated length", post("application/ocsp-request", inflatedLength(r)), true);
      case 3 ->
          new Case(
              "random body", post("application/ocsp-request", bytes(r, r.nextInt(1, 600))), true);
      case 4 ->
          new Case(
              "wrong content type",
              post(r.nextBoolean() ? "text/plain" : "application/json", valid),
              false);
      case 5 -> new Case("bad GET path", get(badPath(r)), false);
      case 6 ->
          new Case(
              "GET of garbage",
              get("/" + Base64.getUrlEncoder().encodeToString(bytes(r, r.nextInt(1, 300)))),
              true);
      case 7 ->
          new Case(
              "oversized body",
              post(
                  "application/ocsp-request",
                  bytes(r, OcspHttpServer.MAX_BODY + 1 + r.nextInt(20_000))),
              true);
      case 8 -> new Case("huge head", hugeHead(r), false);
      default -> new Case("not HTTP", garbageLine(r), false);
    };
  }

  /** HTTP 200 with an OCSPResponse, or 4xx; else the assertion says what came back. */
  private static String judge(Case c, byte[] response) throws IOException {
    String head =
        new String(response, 0, Math.min(response.length, 200), StandardCharsets.ISO_8859_1);
    assertTrue(head.startsWith("HTTP/1.1 "), "no HTTP answer at all (closed or garbage): " + head);
    int status = Integer.parseInt(head.substring(9, 12));
    if (status >= 400 && status < 500) {
      return "HTTP " + status;
    }
    assertEquals(200, status, "neither 200 nor 4xx: " + head);
    OCSPResp ocsp = new OCSPResp(body(response));
    if (c.mustBeMalformed()) {
      assertEquals(
          OCSPResp.MALFORMED_REQUEST, ocsp.getStatus(), "not a request, yet not malformedRequest");
    }
    return switch (ocsp.getStatus()) {
      case OCSPResp.MALFORMED_REQUEST -> "malformedRequest";
      case OCSPResp.SUCCESSFUL -> "successful";
      case OCSPResp.UNAUTHORIZED -> "unauthorized";
      default -> "OCSP status " + ocsp.getStatus();
    };
  }

  private byte[] exchange(byte[] wire) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), ANSWER_WITHIN_MILLIS);
      socket.setSoTimeout(ANSWER_WITHIN_MILLIS);
      try {
        socket.getOutputStream().write(wire);
        socket.getOutputStream().flush();
      } catch (IOException refusedMidWay) {
        // The server may answer and close before a huge input is all sent: read what it said.
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] chunk = new byte[8192];
      try {
        for (int n; (n = in.read(chunk)) > 0; ) {
          got.write(chunk, 0, n);
          if (complete(got.toByteArray())) {
            break;
          }
        }
      } catch (SocketTimeoutException e) {
        throw new IOException(
            "no complete answer within "
                + ANSWER_WITHIN_MILLIS
                + " ms; got "
                + got.size()
                + " bytes",
            e);
      } catch (IOException reset) {
        if (got.size() == 0) {
          throw reset;
        }
      }
      return got.toByteArray();
    }
  }

  /** A whole response: its head and Content-Length bytes of body. */
  private static boolean complete(byte[] response) {
    String text = new String(response, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    for (String line : text.substring(0, end).split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        return response.length >= end + 4 + Integer.parseInt(line.substring(15).trim());
      }
    }
    return false;
  }

  private static byte[] body(byte[] response) {
    String text = new String(response, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    return Arrays.copyOfRange(response, end + 4, response.length);
  }

  private static byte[] post(String type, byte[] body) {
    byte[] head =
        ("POST / HTTP/1.1\r\nHost: ocsp.test\r\nConnection: close\r\nContent-Type: "
                + type
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] wire = Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, wire, head.length, body.length);
    return wire;
  }

  private static byte[] get(String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: ocsp.test\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] mutate(byte[] original, SplittableRandom r) {
    byte[] copy = original.clone();
    int edits = r.nextInt(1, 6);
    for (int i = 0; i < edits; i++) {
      int at = r.nextInt(copy.length);
      switch (r.nextInt(3)) {
        case 0 -> copy[at] ^= (byte) (1 << r.nextInt(8));
        case 1 -> copy[at] = (byte) r.nextInt(256);
        default -> {
          byte[] longer = new byte[copy.length + 1];
          System.arraycopy(copy, 0, longer, 0, at);
          longer[at] = (byte) r.nextInt(256);
          System.arraycopy(copy, at, longer, at + 1, copy.length - at);
          copy = longer;
        }
      }
    }
    return copy;
  }

  /** The outer SEQUENCE claims far more bytes than follow (or an absurd long-form length). */
  private byte[] inflatedLength(SplittableRandom r) {
    byte[] lengths =
        switch (r.nextInt(3)) {
          case 0 -> new byte[] {(byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
          case 1 -> new byte[] {(byte) 0x88, 1, 2, 3, 4, 5, 6, 7, 8};
          default -> new byte[] {(byte) 0x82, (byte) 0xff, (byte) 0xff};
        };
    byte[] wire = new byte[1 + lengths.length + valid.length - 2];
    wire[0] = 0x30;
    System.arraycopy(lengths, 0, wire, 1, lengths.length);
    System.arraycopy(valid, 2, wire, 1 + lengths.length, valid.length - 2);
    return wire;
  }

  private String badPath(SplittableRandom r) {
    String b64 = Base64.getEncoder().encodeToString(valid);
    return switch (r.nextInt(5)) {
      case 0 -> "/" + b64.substring(0, r.nextInt(1, b64.length())) + "%";
      case 1 -> "/%zz" + b64;
      case 2 -> "/" + b64.replace('A', '*');
      case 3 -> "/" + "%25".repeat(r.nextInt(1, 50));
      default -> "/ocsp/" + b64.substring(r.nextInt(b64.length()));
    };
  }

  private static byte[] hugeHead(SplittableRandom r) {
    if (r.nextBoolean()) {
      return get("/" + "A".repeat(OcspHttpServer.MAX_INITIAL_LINE + r.nextInt(1, 5000)));
    }
    StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: ocsp.test\r\n");
    while (head.length() <= OcspHttpServer.MAX_HEADERS + 100) {
      head.append("X-Pad-")
          .append(head.length())
          .append(": ")
          .append("v".repeat(200))
          .append("\r\n");
    }
    return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] garbageLine(SplittableRandom r) {
    byte[] junk = bytes(r, r.nextInt(1, 200));
    // Control characters and blanks before a request line are skipped while the server waits for
    // the request (RFC 9112 2.2 allows it); a line of nothing else is no request yet, and gets the
    // request deadline, not an answer. So each garbage line has something visible.
    junk[r.nextInt(junk.length)] = (byte) r.nextInt('!', '~' + 1);
    byte[] wire = Arrays.copyOf(junk, junk.length + 4);
    wire[junk.length] = '\r';
    wire[junk.length + 1] = '\n';
    wire[junk.length + 2] = '\r';
    wire[junk.length + 3] = '\n';
    return wire;
  }

  private static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static String printable(byte[] wire) {
    String text = new String(wire, 0, Math.min(wire.length, 300), StandardCharsets.ISO_8859_1);
    return text.replaceAll("[^\\x20-\\x7e\\r\\n]", ".")
        + (wire.length > 300 ? "... (" + wire.length + " bytes)" : "");
  }
}
