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
    Class<? extends DatagramChannel> datagram,
    boolean freeBind) {

  public static Transport best() {
    if (Epoll.isAvailable()
        && !Boolean.getBoolean("ocsp.cluster.nio")
        && System.getenv("OCSP_CLUSTER_NIO") == null) {
      return new Transport(
          "epoll",
          EpollIoHandler.newFactory(),
          EpollServerSocketChannel.class,
          EpollSocketChannel.class,
          EpollDatagramChannel.class,
          false);
    }
    return nio();
  }

  /**
   * This transport, binding listeners to addresses the machine does not hold (yet): a standby front
   * end listens on the cluster IP before VRRP gives it the address (epoll's IP_FREEBIND; NIO
   * cannot, and needs {@code net.ipv4.ip_nonlocal_bind=1}).
   */
  public Transport freeBinding() {
    return new Transport(name, handlers, server, client, datagram, name.equals("epoll"));
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
        NioDatagramChannel.class,
        false);
  }
}
