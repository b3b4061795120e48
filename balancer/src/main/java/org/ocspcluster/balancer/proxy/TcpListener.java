package org.ocspcluster.balancer.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.PortRule;

/**
 * The listening sockets of a TCP port rule's address: an idle timeout, then the frontend (or, for
 * an OCSP rule, what the forwarding adds). With epoll, one socket per event loop on the same port
 * (SO_REUSEPORT): the kernel spreads new connections over them, and each connection stays on the
 * loop that accepted it, with no hand-off between threads. Elsewhere, one socket accepting for all
 * the loops.
 */
public final class TcpListener {
  private TcpListener() {}

  public static List<Channel> bind(
      EventLoopGroup boss,
      EventLoopGroup workers,
      Transport transport,
      InetSocketAddress address,
      PortRule rule,
      Selection selection,
      ConnectionEvents events,
      BalancerSettings settings) {
    return bind(
        boss,
        workers,
        transport,
        address,
        settings,
        ch ->
            ch.pipeline()
                .addLast(new FrontendHandler(rule, selection, events, settings, transport)));
  }

  /**
   * Listens on {@code address}; each accepted connection gets the idle timeout, then what {@code
   * pipeline} adds.
   */
  public static List<Channel> bind(
      EventLoopGroup boss,
      EventLoopGroup workers,
      Transport transport,
      InetSocketAddress address,
      BalancerSettings settings,
      Consumer<Channel> pipeline) {
    if (!transport.reusePort()) {
      return List.of(
          bootstrap(boss, workers, transport, settings, pipeline)
              .bind(address)
              .syncUninterruptibly()
              .channel());
    }
    List<Channel> bound = new ArrayList<>();
    InetSocketAddress at = address;
    try {
      for (EventExecutor executor : workers) {
        EventLoop loop = (EventLoop) executor;
        Channel channel =
            bootstrap(loop, loop, transport, settings, pipeline)
                .option(EpollChannelOption.SO_REUSEPORT, true)
                .bind(at)
                .syncUninterruptibly()
                .channel();
        bound.add(channel);
        // Port 0 means "any": the other sockets join the port the first one got.
        at =
            new InetSocketAddress(
                address.getAddress(), ((InetSocketAddress) channel.localAddress()).getPort());
      }
    } catch (Exception e) { // a bind error comes unchecked: close what was bound all the same
      bound.forEach(Channel::close);
      throw e;
    }
    return bound;
  }

  private static ServerBootstrap bootstrap(
      EventLoopGroup boss,
      EventLoopGroup workers,
      Transport transport,
      BalancerSettings settings,
      Consumer<Channel> pipeline) {
    long idle = settings.idleTimeout().toMillis();
    ServerBootstrap b = new ServerBootstrap();
    if (transport.freeBind()) {
      b.option(EpollChannelOption.IP_FREEBIND, true);
    }
    return b.group(boss, workers)
        .channel(transport.server())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline()
                    .addLast(
                        new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS) {
                          @Override
                          protected void channelIdle(
                              ChannelHandlerContext ctx, IdleStateEvent evt) {
                            ctx.close();
                          }
                        });
                pipeline.accept(ch);
              }
            });
  }
}
