package org.ocspcluster.responder.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.responder.ocsp.OcspService;

/** The responder's HTTP listener: one pipeline, bounded sizes, an idle timeout. */
public final class OcspHttpServer implements AutoCloseable {
  /** A request body larger than this is answered malformedRequest and the connection closed. */
  public static final int MAX_BODY = 8 * 1024;

  static final int MAX_INITIAL_LINE = 8 * 1024;
  static final int MAX_HEADERS = 8 * 1024;
  static final int IDLE_SECONDS = 30;

  private final EventLoopGroup group;
  private final Channel channel;

  private OcspHttpServer(EventLoopGroup group, Channel channel, ConnectionLimits limits) {
    this.group = group;
    this.channel = channel;
    this.limits = limits;
  }

  private final ConnectionLimits limits;

  /** Connections open now. */
  public int openConnections() {
    return limits.open();
  }

  /** Connections refused since start, past maxConnections or maxConnectionsPerClient. */
  public long refusedConnections() {
    return limits.refused();
  }

  public static OcspHttpServer start(
      InetSocketAddress address, OcspService service, RequestMetrics metrics, int threads)
      throws InterruptedException {
    return start(address, () -> service, metrics, threads, false);
  }

  public static OcspHttpServer start(
      InetSocketAddress address,
      OcspService service,
      RequestMetrics metrics,
      int threads,
      boolean acceptProxyProtocol)
      throws InterruptedException {
    return start(address, () -> service, metrics, threads, acceptProxyProtocol);
  }

  /**
   * With {@code acceptProxyProtocol}, a connection may begin with a PROXY protocol v1 or v2 header.
   * {@code service} is asked on every request, so a new configuration can be swapped in while
   * serving.
   */
  public static OcspHttpServer start(
      InetSocketAddress address,
      java.util.function.Supplier<OcspService> service,
      RequestMetrics metrics,
      int threads,
      boolean acceptProxyProtocol)
      throws InterruptedException {
    return start(address, service, metrics, threads, acceptProxyProtocol, Limits.DEFAULT);
  }

  /**
   * Bounds on what clients may hold: connections in total and per client address (0: none), and the
   * time a request may take to arrive once begun.
   */
  public record Limits(
      int maxConnections, int maxConnectionsPerClient, java.time.Duration requestTimeout) {
    public static final Limits DEFAULT = new Limits(10_000, 0, java.time.Duration.ofSeconds(10));
  }

  public static OcspHttpServer start(
      InetSocketAddress address,
      java.util.function.Supplier<OcspService> service,
      RequestMetrics metrics,
      int threads,
      boolean acceptProxyProtocol,
      Limits limits)
      throws InterruptedException {
    return start(address, service, metrics, threads, acceptProxyProtocol, limits, null);
  }

  /** With {@code tls}, the listener speaks HTTPS only (after the optional PROXY header). */
  public static OcspHttpServer start(
      InetSocketAddress address,
      java.util.function.Supplier<OcspService> service,
      RequestMetrics metrics,
      int threads,
      boolean acceptProxyProtocol,
      Limits limits,
      io.netty.handler.ssl.SslContext tls)
      throws InterruptedException {
    ConnectionLimits connections =
        new ConnectionLimits(limits.maxConnections(), limits.maxConnectionsPerClient());
    boolean epoll =
        io.netty.channel.epoll.Epoll.isAvailable()
            && !Boolean.getBoolean("ocsp.cluster.nio")
            && System.getenv("OCSP_CLUSTER_NIO") == null;
    // Native epoll where the platform has it: fewer copies and syscalls per request than NIO.
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            threads,
            epoll ? io.netty.channel.epoll.EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    try {
      Channel channel =
          new ServerBootstrap()
              .group(group)
              .channel(
                  epoll
                      ? io.netty.channel.epoll.EpollServerSocketChannel.class
                      : NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ChannelPipeline p = ch.pipeline();
                      p.addLast(connections);
                      p.addLast(
                          new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS) {
                            @Override
                            protected void channelIdle(
                                ChannelHandlerContext ctx, IdleStateEvent evt) {
                              ctx.close();
                            }
                          });
                      RequestDeadline deadline = new RequestDeadline(limits.requestTimeout());
                      p.addLast(deadline);
                      if (acceptProxyProtocol) {
                        p.addLast(new OptionalProxyHeader());
                      }
                      if (tls != null) {
                        p.addLast(tls.newHandler(ch.alloc()));
                      }
                      p.addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, MAX_BODY));
                      p.addLast(new BoundedAggregator());
                      p.addLast(
                          new OcspHttpHandler(
                              service, metrics, java.time.Clock.systemUTC(), deadline));
                    }
                  })
              .bind(address)
              .sync()
              .channel();
      return new OcspHttpServer(group, channel, connections);
    } catch (Exception e) { // also the bind error Netty throws unchecked
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * Aggregates bodies up to {@link #MAX_BODY}; a larger one is an OCSP malformedRequest, then
   * close.
   */
  private static final class BoundedAggregator extends HttpObjectAggregator {
    BoundedAggregator() {
      super(MAX_BODY);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.OK,
              Unpooled.wrappedBuffer(OcspService.malformed().encoded()));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, OcspHttpHandler.RESPONSE_TYPE);
      OcspHttpHandler.write(ctx, response, false, java.time.Instant.now());
    }
  }
}
