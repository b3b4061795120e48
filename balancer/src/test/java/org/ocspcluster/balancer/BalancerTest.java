package org.ocspcluster.balancer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.balancer.rules.AffinityKey;
import org.ocspcluster.balancer.rules.MemberSelector;
import org.ocspcluster.config.Affinity;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.Cluster;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.MemberPort;
import org.ocspcluster.config.PortRange;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.config.Protocol;
import org.ocspcluster.health.HealthChecker;
import org.ocspcluster.testing.TestClusters;

class BalancerTest {
  @TempDir Path dir;
  final List<AutoCloseable> toClose = new ArrayList<>();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Map<String, EchoMember> echo = new LinkedHashMap<>();

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
      this(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** Greets with {@code name} from {@code at} (any 127/8 address works on Linux loopback). */
    EchoMember(String name, InetSocketAddress at) throws IOException {
      this.name = name;
      this.server = new ServerSocket();
      server.bind(at, 50);
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
      try (s;
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream()) {
        out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
        in.transferTo(out);
      } catch (IOException ignored) {
        // the client went away
      }
    }

    InetSocketAddress address() {
      return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private ClusterConfig config(PortRule rule, String... names) throws IOException {
    List<Member> list = new ArrayList<>();
    int priority = 1;
    for (String name : names) {
      EchoMember m =
          echo.computeIfAbsent(
              name,
              n -> {
                try {
                  return new EchoMember(n);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      list.add(
          new Member(name, new HostPort("127.0.0.1", m.address().getPort()), priority++, null));
    }
    return TestClusters.of(rule, list, null, dir);
  }

  private Balancer start(ClusterConfig config) throws Exception {
    HealthChecker notProbing =
        new HealthChecker(
            config,
            java.util.Map.of(),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    toClose.add(notProbing);
    Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
    echo.forEach((name, m) -> addresses.put(name, m.address()));
    Balancer balancer = Balancer.start(config, notProbing, notProbing, addresses, registry);
    toClose.add(balancer);
    return balancer;
  }

  private static PortRule rule(int port, FilteringMode mode, Affinity affinity) {
    return new PortRule("r", null, PortRange.of(port), null, mode, affinity);
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
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

  /**
   * Connects from {@code source} (any 127/8 address works on Linux loopback) and returns the
   * member's name.
   */
  private static String memberFor(InetSocketAddress balancer, String source) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(source, 0));
      s.connect(balancer);
      return readLine(s.getInputStream());
    }
  }

  @Test
  void memberPortSendsEachClientPortToTheSamePortOfTheMemberAsNlbDoesOrToTheOneItNames()
      throws Exception {
    // One member on 127.0.0.2: its address port, the two ports of the rule, and a third port.
    InetAddress host = InetAddress.getByName("127.0.0.2");
    EchoMember atAddress = new EchoMember("address", new InetSocketAddress(host, 0));
    int from = 0;
    EchoMember first = null;
    EchoMember second = null;
    for (int attempt = 0; second == null && attempt < 50; attempt++) {
      // Below the ephemeral range, so no outgoing connection of another test takes it meanwhile.
      int candidate = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000);
      try {
        for (int p : new int[] {candidate, candidate + 1}) {
          try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("127.0.0.1", p));
          }
        }
        first = new EchoMember("port " + candidate, new InetSocketAddress(host, candidate));
        second =
            new EchoMember("port " + (candidate + 1), new InetSocketAddress(host, candidate + 1));
        from = candidate;
      } catch (IOException taken) {
        if (first != null) {
          first.close();
          first = null;
        }
      }
    }
    assertNotNull(second, "two free ports in a row");
    EchoMember fixed = new EchoMember("fixed", new InetSocketAddress(host, 0));
    Member a = new Member("a", new HostPort("127.0.0.2", atAddress.address().getPort()), 1, null);
    PortRule range =
        new PortRule(
            "r", null, new PortRange(from, from + 1), null, FilteringMode.MULTIPLE_HOST, null);
    Map<String, InetSocketAddress> addresses = Map.of("a", atAddress.address());
    for (MemberPort memberPort :
        List.of(MemberPort.SAME, new MemberPort(fixed.address().getPort()), MemberPort.ADDRESS)) {
      ClusterConfig config =
          TestClusters.of(range.withMemberPort(memberPort), List.of(a), null, dir);
      HealthChecker notProbing =
          new HealthChecker(
              config, Map.of(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
      Balancer balancer = Balancer.start(config, notProbing, notProbing, addresses, registry);
      try (notProbing;
          balancer) {
        String atFrom = memberFor(new InetSocketAddress("127.0.0.1", from), "127.0.0.1");
        String atNext = memberFor(new InetSocketAddress("127.0.0.1", from + 1), "127.0.0.1");
        if (memberPort.equals(MemberPort.SAME)) {
          assertEquals(List.of("port " + from, "port " + (from + 1)), List.of(atFrom, atNext));
        } else if (memberPort.equals(MemberPort.ADDRESS)) {
          assertEquals(List.of("address", "address"), List.of(atFrom, atNext));
        } else {
          assertEquals(List.of("fixed", "fixed"), List.of(atFrom, atNext));
        }
      }
      registry.clear();
    }
  }

  @Test
  void aPortInUseIsRefusedNamingTheRuleTheAddressAndTheFix() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      BalancerException e =
          assertThrows(
              BalancerException.class,
              () -> start(config(rule(port, FilteringMode.MULTIPLE_HOST, Affinity.NONE), "a")));
      assertTrue(
          e.getMessage()
              .startsWith("the balancer's rule r (tcp) cannot listen on 127.0.0.1:" + port + ": "),
          e.getMessage());
      assertTrue(e.getMessage().contains("already in use by another process"), e.getMessage());
      assertTrue(e.getMessage().contains("ss -ltnup 'sport = :" + port + "'"), e.getMessage());
      assertFalse(e.getMessage().contains("error(-98)"), e.getMessage());
    }
  }

  @Test
  void aVerbGivenTheOtherKindOfNameSaysWhichVerbsFit() throws Exception {
    Balancer balancer =
        start(config(rule(freePort(), FilteringMode.MULTIPLE_HOST, Affinity.NONE), "a"));
    IllegalArgumentException rule =
        assertThrows(IllegalArgumentException.class, () -> balancer.control().drainstop("r"));
    assertTrue(rule.getMessage().contains("is a port rule, not a member"), rule.getMessage());
    IllegalArgumentException member =
        assertThrows(IllegalArgumentException.class, () -> balancer.control().disable("a"));
    assertTrue(member.getMessage().contains("is a member, not a port rule"), member.getMessage());
  }

  @Test
  void largePayloadsComeBackIntactThroughTheRelay() throws Exception {
    Balancer balancer =
        start(config(rule(freePort(), FilteringMode.MULTIPLE_HOST, Affinity.NONE), "a", "b"));
    byte[] payload = new byte[4 * 1024 * 1024];
    new Random(1).nextBytes(payload);
    try (Socket s = new Socket()) {
      s.connect(balancer.localAddresses().get(0));
      DataInputStream in = new DataInputStream(s.getInputStream());
      readLine(in);
      // Write and read at once: neither side can buffer 4 MiB, so this only finishes if the relay
      // keeps both directions moving without dropping or reordering bytes.
      Thread writer =
          new Thread(
              () -> {
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
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                registry.get("nlb.bytes").tag("direction", "to_member").counters().stream()
                        .mapToDouble(c -> c.count())
                        .sum()
                    >= payload.length);
  }

  @Test
  void aHalfCloseIsRelayedAndTheAnswerStillArrives() throws Exception {
    Balancer balancer =
        start(config(rule(freePort(), FilteringMode.MULTIPLE_HOST, Affinity.SINGLE), "a"));
    try (Socket s = new Socket()) {
      s.connect(balancer.localAddresses().get(0));
      s.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();
      // The member sees the end of the request, answers, then closes.
      assertEquals(
          "a\nquestion", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void eachAffinityModeSendsClientsWhereTheSelectorSays() throws Exception {
    String[] sources = {
      "127.0.0.2", "127.0.1.2", "127.0.1.3", "127.0.2.7", "127.0.3.9", "127.0.4.1", "127.1.0.5"
    };
    for (Affinity affinity : Affinity.values()) {
      echo.clear();
      ClusterConfig config =
          config(rule(freePort(), FilteringMode.MULTIPLE_HOST, affinity), "a", "b", "c");
      Balancer balancer = start(config);
      MemberSelector selector = new MemberSelector(config.portRules().get(0), config.members());
      for (String source : sources) {
        try (Socket s = new Socket()) {
          s.bind(new InetSocketAddress(source, 0));
          s.connect(balancer.localAddresses().get(0));
          String expected =
              selector
                  .candidates(
                      AffinityKey.of(affinity, (InetSocketAddress) s.getLocalSocketAddress()),
                      Set.of("a", "b", "c"),
                      1)
                  .get(0)
                  .name();
          assertEquals(expected, readLine(s.getInputStream()), affinity + " from " + source);
        }
      }
      if (affinity == Affinity.NETWORK) {
        assertEquals(
            memberFor(balancer.localAddresses().get(0), "127.0.1.2"),
            memberFor(balancer.localAddresses().get(0), "127.0.1.200"),
            "one /24, one member");
      }
      if (affinity == Affinity.SINGLE) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
          seen.add(memberFor(balancer.localAddresses().get(0), "127.0.0.2"));
        }
        assertEquals(1, seen.size(), "one client IP, one member");
      }
    }
  }

  @Test
  void drainstopUnderSteadyLoadLosesNothingAndEndsStopped() throws Exception {
    Balancer balancer =
        start(config(rule(freePort(), FilteringMode.MULTIPLE_HOST, Affinity.NONE), "a", "b"));
    InetSocketAddress cluster = balancer.localAddresses().get(0);
    // A connection that stays open on a: draining lets it finish.
    Socket held = null;
    for (int i = 0; i < 64 && held == null; i++) {
      Socket s = new Socket();
      s.connect(cluster);
      if (readLine(s.getInputStream()).equals("a")) {
        held = s;
      } else {
        s.close();
      }
    }
    assertTrue(held != null, "found a connection to a");
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread load =
        new Thread(
            () -> {
              for (int i = 0; i < 300 && failure.get() == null; i++) {
                try (Socket s = new Socket()) {
                  s.connect(cluster);
                  InputStream in = s.getInputStream();
                  readLine(in);
                  s.getOutputStream()
                      .write(("ping " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                  assertEquals("ping " + i, readLine(in));
                  done.incrementAndGet();
                } catch (Throwable e) {
                  failure.set(e);
                }
              }
            });
    load.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> done.get() >= 20);
    balancer.control().drainstop("a");
    assertEquals(Member.HostState.DRAINING, balancer.control().state("a"));
    held.getOutputStream().write("still here\n".getBytes(StandardCharsets.US_ASCII));
    assertEquals(
        "still here",
        readLine(held.getInputStream()),
        "the open connection still works while draining");
    load.join();
    assertEquals(null, failure.get(), "no request failed");
    assertEquals(300, done.get());
    held.close();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> balancer.control().state("a") == Member.HostState.STOPPED);
    assertEquals(0.0, registry.get("nlb.active.connections").tag("member", "a").gauge().value());
  }

  @Test
  void stopClosesTheMembersConnectionsAtOnceAndStartBringsItBack() throws Exception {
    Balancer balancer =
        start(
            config(
                rule(freePort(), FilteringMode.SINGLE_HOST, Affinity.SINGLE), "first", "second"));
    InetSocketAddress cluster = balancer.localAddresses().get(0);
    try (Socket s = new Socket()) {
      s.connect(cluster);
      assertEquals("first", readLine(s.getInputStream()));
      balancer.control().stop("first");
      assertEquals(-1, s.getInputStream().read(), "closed by stop");
    }
    assertEquals("second", memberFor(cluster, "127.0.0.1"), "single host fails over by priority");
    balancer.control().start("first");
    assertEquals("first", memberFor(cluster, "127.0.0.1"));
  }

  @Test
  void suspendIsKeptAcrossARestartAndResumeLeavesTheMemberStopped() throws Exception {
    ClusterConfig config =
        config(rule(freePort(), FilteringMode.MULTIPLE_HOST, Affinity.SINGLE), "a", "b");
    Balancer first = start(config);
    first.control().suspend("a");
    assertThrows(IllegalStateException.class, () -> first.control().start("a"), "resume first");
    first.close();
    toClose.remove(first);
    Balancer second = start(config);
    assertEquals(Member.HostState.SUSPENDED, second.control().state("a"));
    second.control().resume("a");
    assertEquals(Member.HostState.STOPPED, second.control().state("a"));
  }

  @Test
  void aDisabledRuleRefusesConnectionsUntilEnabled() throws Exception {
    Balancer balancer =
        start(config(rule(freePort(), FilteringMode.MULTIPLE_HOST, Affinity.SINGLE), "a"));
    InetSocketAddress cluster = balancer.localAddresses().get(0);
    balancer.control().disable("r");
    assertThrows(ConnectException.class, () -> memberFor(cluster, "127.0.0.1"));
    balancer.control().enable("r");
    assertEquals("a", memberFor(cluster, "127.0.0.1"));
  }

  @Test
  void aRuleDisabledInTheConfigurationNeverListens() throws Exception {
    int port = freePort();
    Balancer balancer = start(config(rule(port, FilteringMode.DISABLED, Affinity.SINGLE), "a"));
    assertThrows(
        ConnectException.class,
        () -> memberFor(new InetSocketAddress("127.0.0.1", port), "127.0.0.1"));
    Balancer.Query.RuleRow row = balancer.query().rules().get(0);
    assertEquals("disabled (filteringMode)", row.state(), "query does not say enabled");
    assertEquals("nobody (disabled)", row.handledBy());
  }

  @Test
  void connectionsPastTheTotalLimitAreRefused() throws Exception {
    ClusterConfig base =
        config(rule(freePort(), FilteringMode.MULTIPLE_HOST, Affinity.SINGLE), "a");
    BalancerSettings one =
        new BalancerSettings(null, null, null, null, 1, null, null, null, dir.resolve("s.json"));
    Balancer balancer =
        start(
            new ClusterConfig(
                base.cluster(),
                base.portRules(),
                base.members(),
                List.of(),
                null,
                one,
                null,
                null));
    try (Socket first = new Socket()) {
      first.connect(balancer.localAddresses().get(0));
      assertEquals("a", readLine(first.getInputStream()));
      try (Socket second = new Socket()) {
        second.connect(balancer.localAddresses().get(0));
        assertEquals(-1, second.getInputStream().read(), "the second connection is closed at once");
      }
    }
    // Room again once the first has closed (the count drops when the member side has closed too).
    await()
        .atMost(Duration.ofSeconds(5))
        .ignoreExceptions()
        .until(() -> "a".equals(memberFor(balancer.localAddresses().get(0), "127.0.0.1")));
  }

  @Test
  void oneClientAddressCannotHoldMoreThanItsShareWhileOthersStillGetIn() throws Exception {
    ClusterConfig base = config(rule(freePort(), FilteringMode.MULTIPLE_HOST, Affinity.NONE), "a");
    BalancerSettings twoEach =
        new BalancerSettings(
            null, null, null, null, null, null, null, null, dir.resolve("s.json"), 2);
    Balancer balancer =
        start(
            new ClusterConfig(
                base.cluster(),
                base.portRules(),
                base.members(),
                List.of(),
                null,
                twoEach,
                null,
                null));
    InetSocketAddress cluster = balancer.localAddresses().get(0);
    try (Socket first = new Socket();
        Socket second = new Socket()) {
      first.connect(cluster);
      second.connect(cluster);
      assertEquals("a", readLine(first.getInputStream()));
      assertEquals("a", readLine(second.getInputStream()));
      try (Socket third = new Socket()) {
        third.connect(cluster);
        assertEquals(
            -1,
            third.getInputStream().read(),
            "a third connection from 127.0.0.1 is closed at once");
      }
      assertEquals("a", memberFor(cluster, "127.0.0.2"), "another address is still let in");
      assertEquals(
          1.0,
          registry
              .get("nlb.connections.refused")
              .tag("reason", "per_client_limit")
              .counter()
              .count());
    }
  }

  @Test
  void aMemberThatAcceptsButNeverAnswersIsTakenOutByTheRequestsItLeavesUnanswered()
      throws Exception {
    ServerSocket frozen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    toClose.add(frozen);
    List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              while (!frozen.isClosed()) {
                try {
                  accepted.add(
                      frozen.accept()); // accepted, then never read nor answered: a stopped process
                } catch (IOException closed) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    toClose.add(
        () ->
            accepted.forEach(
                s -> {
                  try {
                    s.close();
                  } catch (IOException ignored) {
                    // closing anyway
                  }
                }));
    int port = freePort();
    Member m = new Member("frozen", new HostPort("127.0.0.1", frozen.getLocalPort()), 1, null);
    ClusterConfig config =
        new ClusterConfig(
            new Cluster("t", "localhost", "127.0.0.1", null),
            List.of(rule(port, FilteringMode.MULTIPLE_HOST, Affinity.NONE)),
            List.of(m),
            List.of(),
            null,
            new BalancerSettings(
                null, null, null, null, null, null, null, null, dir.resolve("state.json")),
            null,
            null);
    HealthChecker notProbing =
        new HealthChecker(
            config,
            java.util.Map.of(),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    toClose.add(notProbing);
    Balancer balancer =
        Balancer.start(
            config,
            notProbing,
            notProbing,
            Map.of(
                "frozen",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), frozen.getLocalPort())),
            registry);
    toClose.add(balancer);
    for (int i = 0; i < config.health().passiveFailures(); i++) {
      Socket c = new Socket();
      toClose.add(c);
      c.connect(new InetSocketAddress("127.0.0.1", port));
      c.getOutputStream().write("request\n".getBytes(StandardCharsets.US_ASCII));
    }
    await()
        .atMost(config.health().timeout().plusSeconds(5))
        .until(
            () ->
                notProbing.health("frozen").state()
                    == org.ocspcluster.health.MemberHealth.State.DOWN);
    assertTrue(
        notProbing.health("frozen").reason().contains("no answer within"),
        notProbing.health("frozen").reason());
    assertEquals(
        config.health().passiveFailures(),
        registry.get("nlb.unanswered.requests").tag("member", "frozen").counter().count(),
        0.0);
  }

  @Test
  void aUdpRuleRelaysDatagramsBothWays() throws Exception {
    DatagramSocket member = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    toClose.add(member);
    Thread echoer =
        new Thread(
            () -> {
              byte[] buffer = new byte[1500];
              while (!member.isClosed()) {
                try {
                  DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                  member.receive(p);
                  byte[] reply =
                      ("echo:"
                              + new String(
                                  p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII))
                          .getBytes(StandardCharsets.US_ASCII);
                  member.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (IOException closed) {
                  return;
                }
              }
            });
    echoer.setDaemon(true);
    echoer.start();
    int port = freePort();
    Member m = new Member("u", new HostPort("127.0.0.1", member.getLocalPort()), 1, null);
    ClusterConfig config =
        new ClusterConfig(
            new Cluster("t", "localhost", "127.0.0.1", null),
            List.of(
                new PortRule(
                    "dns-like",
                    null,
                    PortRange.of(port),
                    Protocol.UDP,
                    FilteringMode.MULTIPLE_HOST,
                    Affinity.SINGLE)),
            List.of(m),
            List.of(),
            null,
            new BalancerSettings(
                null, null, null, null, null, null, null, null, dir.resolve("state.json")),
            null,
            null);
    HealthChecker notProbing =
        new HealthChecker(
            config,
            java.util.Map.of(),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    toClose.add(notProbing);
    Balancer balancer =
        Balancer.start(
            config,
            notProbing,
            notProbing,
            Map.of(
                "u",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), member.getLocalPort())),
            registry);
    toClose.add(balancer);
    try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      client.setSoTimeout(5000);
      for (int i = 0; i < 3; i++) {
        byte[] question = ("q" + i).getBytes(StandardCharsets.US_ASCII);
        client.send(
            new DatagramPacket(
                question, question.length, new InetSocketAddress("127.0.0.1", port)));
        DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
        client.receive(answer);
        assertEquals(
            "echo:q" + i,
            new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII));
        assertEquals(port, answer.getPort(), "the answer comes from the cluster address");
      }
    }
    assertEquals(
        3.0, registry.get("nlb.udp.datagrams").tag("direction", "to_client").counter().count());
  }
}
