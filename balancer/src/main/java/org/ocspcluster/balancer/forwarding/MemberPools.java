package org.ocspcluster.balancer.forwarding;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.ocspcluster.balancer.proxy.Selection;
import org.ocspcluster.balancer.proxy.Transport;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.OcspForwarding;
import org.ocspcluster.config.PortRule;

/**
 * Kept-alive connections to the members, bounded: Netty's {@link FixedChannelPool}, one per member
 * and event loop, so a request and its member connection share a thread and nothing is handed
 * between threads. An idle connection is closed before the member's own idle timeout (30 s) can
 * close it under a request.
 */
final class MemberPools implements AutoCloseable {
  /** An answer larger than this is not an OCSP answer: the connection is closed. */
  static final int MAX_ANSWER = 64 * 1024;

  /** Requests that may wait for a connection to one member, per event loop. */
  static final int MAX_WAITING = 1024;

  static final int IDLE_SECONDS = 20;

  private static final HttpDecoderConfig MEMBER_ANSWERS =
      new HttpDecoderConfig()
          .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false))
          .setTrailersFactory(DefaultHttpHeadersFactory.trailersFactory().withValidation(false));

  private record Key(EventLoop loop, String member) {}

  private final Transport transport;
  private final BalancerSettings settings;
  private final OcspForwarding forwarding;
  private final PortRule rule;
  private final Selection selection;
  private final Map<Key, FixedChannelPool> pools = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> inUse = new ConcurrentHashMap<>();

  MemberPools(Transport transport, BalancerSettings settings, PortRule rule, Selection selection) {
    this.transport = transport;
    this.settings = settings;
    this.forwarding = rule.ocsp();
    this.rule = rule;
    this.selection = selection;
  }

  FixedChannelPool pool(EventLoop loop, Member member) {
    return pools.computeIfAbsent(new Key(loop, member.name()), k -> create(loop, member));
  }

  /** Connections open to {@code member} now, idle or in use. */
  AtomicInteger open(String member) {
    return open.computeIfAbsent(member, m -> new AtomicInteger());
  }

  /** Connections to {@code member} carrying a request now. */
  AtomicInteger inUse(String member) {
    return inUse.computeIfAbsent(member, m -> new AtomicInteger());
  }

  private FixedChannelPool create(EventLoop loop, Member member) {
    AtomicInteger opened = open(member.name());
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(transport.client())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
            // An ocsp rule listens on one port, or sends every port to one (the validator says).
            .remoteAddress(selection.addressOf(member, rule, rule.ports().from()));
    return new FixedChannelPool(
        bootstrap,
        new AbstractChannelPoolHandler() {
          @Override
          public void channelCreated(Channel ch) {
            opened.incrementAndGet();
            ch.closeFuture().addListener(f -> opened.decrementAndGet());
            ch.pipeline()
                .addLast(
                    new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS) {
                      @Override
                      protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                        ctx.close();
                      }
                    },
                    // The members are ours: their answers' headers are not validated again.
                    new HttpClientCodec(MEMBER_ANSWERS, false, false),
                    new HttpObjectAggregator(MAX_ANSWER),
                    new MemberAnswer());
          }
        },
        ChannelHealthChecker.ACTIVE,
        FixedChannelPool.AcquireTimeoutAction.FAIL,
        forwarding.tryTimeout().toMillis(),
        forwarding.connectionsPerMember(),
        MAX_WAITING,
        true,
        true);
  }

  /**
   * Closes {@code member}'s pools (it left, or moved): its idle connections now, the busy ones when
   * their request ends.
   */
  void forget(String member) {
    pools
        .entrySet()
        .removeIf(
            e -> {
              if (e.getKey().member().equals(member)) {
                e.getValue().closeAsync();
                return true;
              }
              return false;
            });
  }

  @Override
  public void close() {
    pools.values().forEach(FixedChannelPool::closeAsync);
    pools.clear();
  }
}
