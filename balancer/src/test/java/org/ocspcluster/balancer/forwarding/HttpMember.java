package org.ocspcluster.balancer.forwarding;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.ocsp.OCSPResponse;
import org.bouncycastle.asn1.ocsp.OCSPResponseStatus;

/**
 * A member stand-in speaking HTTP/1.1 with keep-alive on plain sockets, doing what the test says
 * with each request: answer, answer tryLater, answer 500, close without answering, or hang.
 */
final class HttpMember implements AutoCloseable {
  enum Act {
    ANSWER,
    TRY_LATER,
    HTTP_500,
    CLOSE,
    HANG
  }

  final String name;
  volatile Act act = Act.ANSWER;
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  private final ServerSocket server;
  private final CountDownLatch closed = new CountDownLatch(1);

  HttpMember(String name) throws IOException {
    this.name = name;
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "member-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  static byte[] ocsp(int status) throws IOException {
    return new OCSPResponse(new OCSPResponseStatus(status), null).getEncoded();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        connections.incrementAndGet();
        Thread t = new Thread(() -> serve(s), "member-" + name + "-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException stopped) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket;
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream()) {
      while (true) {
        String line = line(in);
        if (line == null) {
          return;
        }
        String path = line.split(" ")[1];
        int length = 0;
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
          if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(h.substring(15).trim());
          }
        }
        in.readNBytes(length);
        requests.incrementAndGet();
        switch (act) {
          case ANSWER -> answer(out, 200, path, ocsp(OCSPResponseStatus.SUCCESSFUL));
          case TRY_LATER -> answer(out, 200, path, ocsp(OCSPResponseStatus.TRY_LATER));
          case HTTP_500 -> answer(out, 500, path, new byte[0]);
          case CLOSE -> {
            return;
          }
          case HANG -> {
            closed.await();
            return;
          }
        }
      }
    } catch (IOException | InterruptedException gone) {
      // the balancer closed the connection, or the test ended
    }
  }

  private void answer(OutputStream out, int code, String path, byte[] body) throws IOException {
    String head =
        "HTTP/1.1 "
            + code
            + (code == 200 ? " OK" : " Internal Server Error")
            + "\r\nContent-Type: application/ocsp-response\r\nX-Member: "
            + name
            + "\r\nX-Path: "
            + path
            + "\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return line.length() == 0 ? null : line.toString();
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    closed.countDown();
    server.close();
  }
}
