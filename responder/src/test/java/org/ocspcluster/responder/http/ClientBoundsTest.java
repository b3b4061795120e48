package org.ocspcluster.responder.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.responder.ocsp.OcspService;
import org.ocspcluster.responder.ocsp.TestCa;

/** What a member does with clients that take too much: too many connections, or too long to ask. */
class ClientBoundsTest {
  @TempDir Path dir;
  ExecutorService signing = Executors.newFixedThreadPool(2);
  ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
  OcspHttpServer server;
  final List<Socket> sockets = new ArrayList<>();

  private void start(OcspHttpServer.Limits limits) throws Exception {
    TestCa demo = new TestCa(dir, "demo");
    OcspService service = new OcspService(List.of(demo.served), signing, Clock.systemUTC());
    server =
        OcspHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            () -> service,
            RequestMetrics.NONE,
            1,
            false,
            limits);
  }

  @AfterEach
  void stop() throws IOException {
    trickle.shutdownNow();
    for (Socket s : sockets) {
      s.close();
    }
    server.close();
    signing.shutdownNow();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.connect(server.localAddress(), 2_000);
    s.setSoTimeout(5_000);
    return s;
  }

  @Test
  void aClientThatTricklesItsRequestIsCutOffAtTheDeadlineThoughNeverIdle() throws Exception {
    start(new OcspHttpServer.Limits(100, 0, Duration.ofSeconds(1)));
    Socket slow = connect();
    slow.getOutputStream()
        .write("POST / HTTP/1.1\r\nHost: ocsp.test\r\n".getBytes(StandardCharsets.US_ASCII));
    AtomicBoolean cut = new AtomicBoolean();
    // One header byte every 100 ms: never idle long enough for the idle timeout, never done.
    trickle.scheduleAtFixedRate(
        () -> {
          try {
            slow.getOutputStream().write('X');
          } catch (IOException e) {
            cut.set(true);
          }
        },
        100,
        100,
        TimeUnit.MILLISECONDS);
    slow.setSoTimeout(200);
    InputStream in = slow.getInputStream();
    long started = System.nanoTime();
    await().atMost(Duration.ofSeconds(5)).until(() -> readsEnd(in));
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertTrue(tookMillis >= 800, "not before the deadline: " + tookMillis + " ms");
  }

  @Test
  void aKeepAliveConnectionMayRestBetweenRequestsLongerThanTheDeadline() throws Exception {
    start(new OcspHttpServer.Limits(100, 0, Duration.ofMillis(300)));
    Socket s = connect();
    byte[] get =
        "GET /favicon HTTP/1.1\r\nHost: ocsp.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(get);
    assertTrue(readHead(s.getInputStream()).startsWith("HTTP/1.1 200"));
    AtomicBoolean sent = new AtomicBoolean();
    trickle.schedule(
        () -> {
          try {
            s.getOutputStream().write(get);
            sent.set(true);
          } catch (IOException e) {
            // leaves sent false: the assertion below says so
          }
        },
        900,
        TimeUnit.MILLISECONDS);
    await().atMost(Duration.ofSeconds(3)).untilTrue(sent);
    assertTrue(
        readHead(s.getInputStream()).startsWith("HTTP/1.1 200"),
        "the second request, after a rest, is answered");
  }

  @Test
  void connectionsPastTheLimitAreAnswered503AndClosedWhileTheOthersKeepWorking() throws Exception {
    start(new OcspHttpServer.Limits(3, 0, Duration.ofSeconds(10)));
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(connect());
    }
    await().atMost(Duration.ofSeconds(3)).until(() -> server.openConnections() == 3);
    Socket extra = connect();
    String refusal = readHead(extra.getInputStream());
    assertTrue(refusal.startsWith("HTTP/1.1 503"), refusal);
    assertTrue(refusal.contains("Retry-After: 1"), refusal);
    assertEquals(1, server.refusedConnections());

    Socket first = held.get(0);
    first
        .getOutputStream()
        .write("GET /x HTTP/1.1\r\nHost: ocsp.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertTrue(
        readHead(first.getInputStream()).startsWith("HTTP/1.1 200"),
        "held connections still served");

    first.close();
    await().atMost(Duration.ofSeconds(3)).until(() -> server.openConnections() <= 3);
    Socket again = connect();
    again
        .getOutputStream()
        .write("GET /x HTTP/1.1\r\nHost: ocsp.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertTrue(
        readHead(again.getInputStream()).startsWith("HTTP/1.1 200"), "a freed slot is taken again");
  }

  @Test
  void oneAddressCannotTakeMoreThanItsShare() throws Exception {
    start(new OcspHttpServer.Limits(100, 2, Duration.ofSeconds(10)));
    connect();
    connect();
    await().atMost(Duration.ofSeconds(3)).until(() -> server.openConnections() == 2);
    assertTrue(readHead(connect().getInputStream()).startsWith("HTTP/1.1 503"));
  }

  private static boolean readsEnd(InputStream in) {
    try {
      return in.read() < 0;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** The status line and headers of one response (its body is left unread). */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(length);
    return head.toString();
  }
}
