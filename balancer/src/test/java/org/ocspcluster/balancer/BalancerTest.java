package org.ocspcluster.balancer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.ocspcluster.config.Affinity;
import org.ocspcluster.config.Cluster;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRange;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.health.HealthChecker;

class BalancerTest {
  final List<AutoCloseable> toClose = new ArrayList<>();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** A member stand-in: says its name on a line, then echoes every byte until the client closes. */
  final class EchoMember implements AutoCloseable {
    final String name;
    final ServerSocket server;

    EchoMember(String name) throws IOException {
      this.name = name;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::accept, "echo-" + name);
      acceptor.setDaemon(true);
      acceptor.start();
      toClose.add(this);
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread t = new Thread(() -> echo(s));
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void echo(Socket s) {
      try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
        out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
        in.transferTo(out);
      } catch (IOException ignored) {
        // the client went away
      }
    }

    InetSocketAddress address() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private Balancer start(FilteringMode mode, Map<String, InetSocketAddress> members) throws Exception {
    return start(mode, Affinity.SINGLE, members);
  }

  private Balancer start(FilteringMode mode, Affinity affinity, Map<String, InetSocketAddress> members)
      throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    List<Member> list = new ArrayList<>();
    int priority = 1;
    for (Map.Entry<String, InetSocketAddress> m : members.entrySet()) {
      list.add(new Member(m.getKey(), new HostPort("127.0.0.1", m.getValue().getPort()), priority++, null));
    }
    ClusterConfig config = new ClusterConfig(new Cluster("t", "localhost", "127.0.0.1", null),
        List.of(new PortRule("r", null, PortRange.of(port), null, mode, affinity)), list, List.of(), null, null);
    HealthChecker notProbing = new HealthChecker(config);
    toClose.add(notProbing);
    Balancer balancer = Balancer.start(config, notProbing, members, registry);
    toClose.add(balancer);
    return balancer;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("closed before a line");
      }
      line.append((char) c);
    }
    return line.toString();
  }

  @Test
  void connectionsAreSpreadOverMembersAndLargePayloadsComeBackIntact() throws Exception {
    EchoMember a = new EchoMember("a");
    EchoMember b = new EchoMember("b");
    Map<String, InetSocketAddress> members = new java.util.LinkedHashMap<>();
    members.put("a", a.address());
    members.put("b", b.address());
    Balancer balancer = start(FilteringMode.MULTIPLE_HOST, Affinity.NONE, members);
    byte[] payload = new byte[4 * 1024 * 1024];
    new Random(1).nextBytes(payload);
    Set<String> served = new HashSet<>();
    int connections = 0;
    // Affinity none hashes the client's port too: new connections land on either member.
    while (served.size() < 2 && connections < 64) {
      connections++;
      try (Socket s = new Socket()) {
        s.connect(balancer.localAddresses().get(0));
        DataInputStream in = new DataInputStream(s.getInputStream());
        served.add(readLine(in));
        if (connections > 2) {
          continue;
        }
        // Write and read at once: neither side can buffer 4 MiB, so this only finishes if the
        // relay keeps both directions moving without dropping or reordering bytes.
        Thread writer = new Thread(() -> {
          try {
            s.getOutputStream().write(payload);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
        writer.start();
        byte[] back = new byte[payload.length];
        in.readFully(back);
        writer.join();
        assertArrayEquals(payload, back);
      }
    }
    assertEquals(Set.of("a", "b"), served);
    double counted = connections;
    await().atMost(Duration.ofSeconds(5)).until(
        () -> registry.get("nlb.connections").counters().stream().mapToDouble(c -> c.count()).sum() == counted);
  }

  @Test
  void singleAffinityKeepsAClientOnOneMember() throws Exception {
    EchoMember a = new EchoMember("a");
    EchoMember b = new EchoMember("b");
    Map<String, InetSocketAddress> members = new java.util.LinkedHashMap<>();
    members.put("a", a.address());
    members.put("b", b.address());
    Balancer balancer = start(FilteringMode.MULTIPLE_HOST, Affinity.SINGLE, members);
    Set<String> served = new HashSet<>();
    for (int i = 0; i < 8; i++) {
      try (Socket s = new Socket()) {
        s.connect(balancer.localAddresses().get(0));
        served.add(readLine(s.getInputStream()));
      }
    }
    assertEquals(1, served.size(), "every connection from 127.0.0.1 went to " + served);
  }

  @Test
  void refusedMemberIsSkippedForTheNextOne() throws Exception {
    EchoMember alive = new EchoMember("alive");
    InetSocketAddress dead;
    try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = new InetSocketAddress(InetAddress.getLoopbackAddress(), gone.getLocalPort());
    }
    Map<String, InetSocketAddress> members = new java.util.LinkedHashMap<>();
    members.put("dead", dead);
    members.put("alive", alive.address());
    Balancer balancer = start(FilteringMode.MULTIPLE_HOST, members);
    for (int i = 0; i < 4; i++) {
      try (Socket s = new Socket()) {
        s.connect(balancer.localAddresses().get(0));
        assertEquals("alive", readLine(s.getInputStream()));
      }
    }
  }

  @Test
  void singleHostRuleSendsEverythingToTheBestPriority() throws Exception {
    EchoMember first = new EchoMember("first");
    EchoMember second = new EchoMember("second");
    Map<String, InetSocketAddress> members = new java.util.LinkedHashMap<>();
    members.put("first", first.address());
    members.put("second", second.address());
    Balancer balancer = start(FilteringMode.SINGLE_HOST, members);
    for (int i = 0; i < 3; i++) {
      try (Socket s = new Socket()) {
        s.connect(balancer.localAddresses().get(0));
        assertEquals("first", readLine(s.getInputStream()));
      }
    }
  }

  @Test
  void closingTheClientClosesTheMemberSideAndTheGaugeReturnsToZero() throws Exception {
    EchoMember a = new EchoMember("a");
    Balancer balancer = start(FilteringMode.MULTIPLE_HOST, Map.of("a", a.address()));
    try (Socket s = new Socket()) {
      s.connect(balancer.localAddresses().get(0));
      assertEquals("a", readLine(s.getInputStream()));
      assertEquals(1.0, registry.get("nlb.active.connections").gauge().value());
    }
    await().atMost(Duration.ofSeconds(10))
        .until(() -> registry.get("nlb.active.connections").gauge().value() == 0.0);
  }

}
