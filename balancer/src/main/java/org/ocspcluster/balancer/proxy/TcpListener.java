package org.ocspcluster.balancer.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import org.ocspcluster.config.PortRule;

/** One listening socket of a TCP port rule. */
public final class TcpListener {
  private TcpListener() {}

  public static Channel bind(EventLoopGroup boss, EventLoopGroup workers, InetSocketAddress address, PortRule rule,
      MemberPool pool) {
    return new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new FrontendHandler(rule, pool));
          }
        })
        .bind(address).syncUninterruptibly().channel();
  }
}
