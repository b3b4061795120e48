package org.ocspcluster.balancer.hosts;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.ocspcluster.config.Member;

/**
 * Who the balancer forwards to and what is open: each member's address, its client connections
 * (counted, and grouped so that a member's or a rule's can be closed at once), the total, and the
 * count per client address. Host states live in {@link HostControl}, health in the health view.
 */
public final class Membership implements HostControl.Connections {
  private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
  private final Map<String, ChannelGroup> byMember = new ConcurrentHashMap<>();
  private final Map<String, ChannelGroup> byRule = new ConcurrentHashMap<>();
  private final Map<InetAddress, AtomicInteger> byClient = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();

  /**
   * Reaches {@code member} at {@code address} from now on (resolved once here, so that no event
   * loop ever waits on DNS); returns true for a member not known before.
   */
  public boolean add(Member member, InetSocketAddress address) {
    addresses.put(member.name(), address);
    boolean added = active.putIfAbsent(member.name(), new AtomicInteger()) == null;
    if (added) {
      byMember.put(
          member.name(), new DefaultChannelGroup(member.name(), GlobalEventExecutor.INSTANCE));
    }
    return added;
  }

  public void addRule(String rule) {
    byRule.computeIfAbsent(rule, r -> new DefaultChannelGroup(r, GlobalEventExecutor.INSTANCE));
  }

  public InetSocketAddress address(String member) {
    return addresses.get(member);
  }

  /** The member's open client connections, as a live counter (for a gauge). */
  public AtomicInteger activeCounter(String member) {
    return active.get(member);
  }

  @Override
  public int active(String member) {
    return active.get(member).get();
  }

  /** Client connections open now, through every member. */
  public int total() {
    return total.get();
  }

  /** Client connections open now from {@code client}. */
  public int fromClient(InetAddress client) {
    AtomicInteger n = byClient.get(client);
    return n == null ? 0 : n.get();
  }

  /**
   * Counts a relayed connection until its member side closes; then its client side is closed too.
   */
  public void track(
      String rule, String member, Channel client, Channel backend, boolean countPerClient) {
    active.get(member).incrementAndGet();
    Runnable uncount = count(rule, client, countPerClient);
    byMember.get(member).add(client);
    backend
        .closeFuture()
        .addListener(
            f -> {
              active.get(member).decrementAndGet();
              uncount.run();
              client.close();
            });
  }

  /**
   * Counts a client connection of an OCSP rule until it closes: it holds no member (each of its
   * requests is forwarded on its own), so it counts in the total, per client and per rule only.
   */
  public void trackClient(String rule, Channel client, boolean countPerClient) {
    Runnable uncount = count(rule, client, countPerClient);
    client.closeFuture().addListener(f -> uncount.run());
  }

  /** Counts {@code client} in the total, per address and per rule; returns what undoes that. */
  private Runnable count(String rule, Channel client, boolean countPerClient) {
    total.incrementAndGet();
    InetAddress from =
        client.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    boolean perClient = countPerClient && from != null;
    if (perClient) {
      byClient.computeIfAbsent(from, c -> new AtomicInteger()).incrementAndGet();
    }
    byRule.get(rule).add(client);
    return () -> {
      total.decrementAndGet();
      if (perClient) {
        byClient.computeIfPresent(from, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
      }
    };
  }

  /** True while the member has client connections open. */
  public boolean hasOpen(String member) {
    return !byMember.get(member).isEmpty();
  }

  @Override
  public int closeMember(String member) {
    int n = byMember.get(member).size();
    byMember.get(member).close();
    return n;
  }

  @Override
  public int closeRule(String rule) {
    int n = byRule.get(rule).size();
    byRule.get(rule).close();
    return n;
  }
}
