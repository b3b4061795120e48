package org.ocspcluster.balancer.proxy;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Native epoll where the platform has it (Linux), NIO elsewhere; one choice for every channel. */
public record Transport(
    String name,
    IoHandlerFactory handlers,
    Class<? extends ServerChannel> server,
    Class<? extends Channel> client,
    Class<? extends DatagramChannel> datagram) {

  public static Transport best() {
    if (Epoll.isAvailable()
        && !Boolean.getBoolean("ocsp.cluster.nio")
        && System.getenv("OCSP_CLUSTER_NIO") == null) {
      return new Transport(
          "epoll",
          EpollIoHandler.newFactory(),
          EpollServerSocketChannel.class,
          EpollSocketChannel.class,
          EpollDatagramChannel.class);
    }
    return nio();
  }

  /** True where listeners can share a port, one per event loop (epoll's SO_REUSEPORT). */
  public boolean reusePort() {
    return name.equals("epoll");
  }

  public static Transport nio() {
    return new Transport(
        "nio",
        NioIoHandler.newFactory(),
        NioServerSocketChannel.class,
        NioSocketChannel.class,
        NioDatagramChannel.class);
  }
}
