package org.ocspcluster.balancer.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.util.List;
import org.ocspcluster.balancer.rules.AffinityKey;
import org.ocspcluster.balancer.rules.MemberSelector;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For each accepted client connection: chooses members by the port rule, connects to the first
 * that accepts (trying the next on a refused or timed-out connect), then relays both ways.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(FrontendHandler.class);
  static final int CONNECT_TIMEOUT_MILLIS = 2_000;

  private final PortRule rule;
  private final MemberPool pool;

  FrontendHandler(PortRule rule, MemberPool pool) {
    this.rule = rule;
    this.pool = pool;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    long key = AffinityKey.of(rule.affinity(), (java.net.InetSocketAddress) ctx.channel().remoteAddress());
    List<Member> candidates = MemberSelector.candidates(rule, key, pool.usable());
    if (candidates.isEmpty()) {
      LOG.debug("rule {}: no member can take a connection from {}", rule.name(), ctx.channel().remoteAddress());
      ctx.close();
      return;
    }
    connect(ctx.channel(), candidates, 0);
  }

  private void connect(Channel client, List<Member> candidates, int index) {
    if (index >= candidates.size() || !client.isActive()) {
      client.close();
      return;
    }
    Member member = candidates.get(index);
    Bootstrap bootstrap = new Bootstrap()
        .group(client.eventLoop())
        .channel(io.netty.channel.socket.nio.NioSocketChannel.class)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
        .handler(new Relay(client));
    bootstrap.connect(pool.addressOf(member)).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        LOG.debug("rule {}: connect to {} failed: {}", rule.name(), member.name(), f.cause().toString());
        connect(client, candidates, index + 1);
        return;
      }
      Channel backend = f.channel();
      if (!client.isActive()) {
        backend.close();
        return;
      }
      pool.opened(rule.name(), member);
      backend.closeFuture().addListener(c -> pool.closed(member));
      client.pipeline().replace(this, "relay", new Relay(backend));
      client.read();
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // Auto-read is off and the first read is requested only after the relay is in place.
    io.netty.util.ReferenceCountUtil.release(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
