package org.ocspcluster.balancer.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.PortRule;

/** One listening socket of a TCP port rule: an idle timeout, then the frontend. */
public final class TcpListener {
  private TcpListener() {}

  public static Channel bind(EventLoopGroup boss, EventLoopGroup workers, Transport transport,
      InetSocketAddress address, PortRule rule, Routing routing, BalancerSettings settings) {
    long idle = settings.idleTimeout().toMillis();
    return new ServerBootstrap()
        .group(boss, workers)
        .channel(transport.server())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS) {
              @Override
              protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                ctx.close();
              }
            });
            ch.pipeline().addLast(new FrontendHandler(rule, routing, settings, transport));
          }
        })
        .bind(address).syncUninterruptibly().channel();
  }
}
