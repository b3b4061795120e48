package org.ocspcluster.balancer.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For each accepted client connection: asks the selection for members, connects to the first that
 * accepts (trying the next on a refused or timed-out connect, up to the configured attempts), sends
 * the PROXY protocol header when configured, then relays both ways.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(FrontendHandler.class);

  private final PortRule rule;
  private final Selection selection;
  private final ConnectionEvents events;
  private final BalancerSettings settings;
  private final Transport transport;

  /** Bytes that arrived before a member was connected; sent first. */
  private final java.util.ArrayDeque<Object> early = new java.util.ArrayDeque<>();

  private boolean inputShutdown;
  private boolean relaying;

  FrontendHandler(
      PortRule rule,
      Selection selection,
      ConnectionEvents events,
      BalancerSettings settings,
      Transport transport) {
    this.rule = rule;
    this.selection = selection;
    this.events = events;
    this.settings = settings;
    this.transport = transport;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (!selection.admit(rule, (InetSocketAddress) ctx.channel().remoteAddress())) {
      ctx.close();
      return;
    }
    List<Member> candidates =
        selection.candidates(rule, (InetSocketAddress) ctx.channel().remoteAddress());
    if (candidates.isEmpty()) {
      LOG.debug(
          "rule {}: no member can take a connection from {}",
          rule.name(),
          ctx.channel().remoteAddress());
      ctx.close();
      return;
    }
    connect(ctx.channel(), candidates, 0);
  }

  private void connect(Channel client, List<Member> candidates, int index) {
    if (index >= candidates.size() || !client.isActive()) {
      releaseEarly();
      client.close();
      return;
    }
    Member member = candidates.get(index);
    Bootstrap bootstrap =
        new Bootstrap()
            .group(client.eventLoop())
            .channel(transport.client())
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
            .handler(
                new io.netty.channel.ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (settings.proxyProtocol() != BalancerSettings.ProxyProtocol.NONE) {
                      ch.pipeline().addLast(HAProxyMessageEncoder.INSTANCE);
                    }
                    ch.pipeline().addLast(new AnswerWatch(member, events));
                    ch.pipeline().addLast(new Relay(client, n -> events.bytes(member, false, n)));
                  }
                });
    bootstrap
        .connect(
            selection.addressOf(
                member, rule, ((InetSocketAddress) client.localAddress()).getPort()))
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    LOG.debug(
                        "rule {}: connect to {} failed: {}",
                        rule.name(),
                        member.name(),
                        f.cause().toString());
                    events.connectFailed(member);
                    connect(client, candidates, index + 1);
                    return;
                  }
                  Channel backend = f.channel();
                  if (!client.isActive()) {
                    backend.close();
                    return;
                  }
                  if (settings.proxyProtocol() != BalancerSettings.ProxyProtocol.NONE) {
                    backend.writeAndFlush(proxyHeader(client));
                  }
                  events.opened(rule, member, client, backend);
                  relaying = true;
                  for (Object msg = early.poll(); msg != null; msg = early.poll()) {
                    if (msg instanceof io.netty.buffer.ByteBuf buf) {
                      events.bytes(member, true, buf.readableBytes());
                    }
                    backend.write(msg);
                  }
                  backend.flush();
                  client
                      .pipeline()
                      .replace(
                          this, "relay", new Relay(backend, n -> events.bytes(member, true, n)));
                  if (inputShutdown) {
                    // The client finished sending before the member was connected: pass the
                    // half-close on.
                    ((io.netty.channel.socket.DuplexChannel) backend).shutdownOutput();
                    backend.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                  } else {
                    client.read();
                  }
                });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      inputShutdown = true;
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseEarly();
    ctx.fireChannelInactive();
  }

  private void releaseEarly() {
    for (Object msg = early.poll(); msg != null; msg = early.poll()) {
      ReferenceCountUtil.release(msg);
    }
  }

  private HAProxyMessage proxyHeader(Channel client) {
    InetSocketAddress source = (InetSocketAddress) client.remoteAddress();
    InetSocketAddress destination = (InetSocketAddress) client.localAddress();
    boolean v6 = source.getAddress() instanceof Inet6Address;
    return new HAProxyMessage(
        settings.proxyProtocol() == BalancerSettings.ProxyProtocol.V1
            ? HAProxyProtocolVersion.V1
            : HAProxyProtocolVersion.V2,
        HAProxyCommand.PROXY,
        v6 ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4,
        source.getAddress().getHostAddress(),
        destination.getAddress().getHostAddress(),
        source.getPort(),
        destination.getPort());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // What the client sends before its member is connected (with HTTP, usually the whole request)
    // is kept, bounded, and sent first. Reading at once rather than toggling auto-read saves
    // epoll_ctl calls on every connection.
    if (relaying) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    early.add(msg);
    if (msg instanceof io.netty.buffer.ByteBuf buf) {
      earlyBytes += buf.readableBytes();
    }
    if (earlyBytes >= MAX_EARLY_BYTES) {
      // Enough held for one connection: read no more until the member is there (the relay resumes).
      ctx.channel().config().setAutoRead(false);
    }
  }

  /** Bytes held per connection while its member is being connected; past this the client waits. */
  static final int MAX_EARLY_BYTES = 64 * 1024;

  private long earlyBytes;

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    releaseEarly();
    ctx.close();
  }
}
