package org.ocspcluster.cli.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The admin listener: {@code GET /metrics} (Prometheus text) and {@code GET /ready} (200 when the
 * readiness check passes, else 503 with the reason). Scrapes are rendered off the event loop.
 */
public final class AdminServer implements AutoCloseable {
  private final EventLoopGroup group;
  private final ExecutorService scrapes;
  private final Channel channel;

  /** A readiness verdict: null when ready, else the reason in words. */
  public interface Readiness extends Supplier<String> {}

  private AdminServer(EventLoopGroup group, ExecutorService scrapes, Channel channel) {
    this.group = group;
    this.scrapes = scrapes;
    this.channel = channel;
  }

  public static AdminServer start(InetSocketAddress address, PrometheusMeterRegistry registry, Readiness readiness) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ExecutorService scrapes = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "admin-scrape");
      t.setDaemon(true);
      return t;
    });
    try {
      Channel channel = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline()
                  .addLast(new ReadTimeoutHandler(30))
                  .addLast(new HttpServerCodec(4096, 8192, 8192))
                  .addLast(new HttpObjectAggregator(8192))
                  .addLast(new Handler(registry, readiness, scrapes));
            }
          })
          .bind(address).syncUninterruptibly().channel();
      return new AdminServer(group, scrapes, channel);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      scrapes.shutdownNow();
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
    scrapes.shutdownNow();
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final PrometheusMeterRegistry registry;
    private final Readiness readiness;
    private final ExecutorService scrapes;

    Handler(PrometheusMeterRegistry registry, Readiness readiness, ExecutorService scrapes) {
      this.registry = registry;
      this.readiness = readiness;
      this.scrapes = scrapes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      String path = new QueryStringDecoder(request.uri()).path();
      if (!request.method().equals(HttpMethod.GET)) {
        send(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "use GET\n", keepAlive);
        return;
      }
      switch (path) {
        case "/metrics" -> scrapes.execute(() -> send(ctx, HttpResponseStatus.OK,
            "text/plain; version=0.0.4; charset=utf-8", registry.scrape(), keepAlive));
        case "/ready" -> {
          String notReady = readiness.get();
          if (notReady == null) {
            send(ctx, HttpResponseStatus.OK, "text/plain; charset=utf-8", "ready\n", keepAlive);
          } else {
            send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                "not ready: " + notReady + "\n", keepAlive);
          }
        }
        default -> send(ctx, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
            "not found; try /metrics or /ready\n", keepAlive);
      }
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body,
        boolean keepAlive) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
          Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
      HttpUtil.setContentLength(response, response.content().readableBytes());
      if (keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(response, ctx.voidPromise());
      } else {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
