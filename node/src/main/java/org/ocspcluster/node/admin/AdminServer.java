package org.ocspcluster.node.admin;

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
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener: a small HTTP server whose routes (metrics, readiness, refresh, signer
 * assignment) are given by the process that runs it. Every route runs on the admin executor, never
 * on the event loop, since some read files or wait for a refresh.
 */
public final class AdminServer implements AutoCloseable {
  private final EventLoopGroup group;
  private final ExecutorService work;
  private final Channel channel;

  /** What a route answers. */
  public record Reply(int status, String contentType, String body) {
    public static Reply text(int status, String body) {
      return new Reply(status, "text/plain; charset=utf-8", body);
    }

    public static Reply json(int status, String body) {
      return new Reply(status, "application/json", body);
    }
  }

  /**
   * One route: the request's method, its path, its query parameters, its body, and who asks (for
   * the audit trail: the admin token holder or an unverified caller, the user, the address).
   */
  public interface Route {
    Reply handle(
        String method, String path, Map<String, List<String>> query, String body, String caller)
        throws Exception;
  }

  /** The header the verbs send with the local user's name. */
  public static final String USER_HEADER = "X-Ocsp-Cluster-User";

  private AdminServer(EventLoopGroup group, ExecutorService work, Channel channel) {
    this.group = group;
    this.work = work;
    this.channel = channel;
  }

  public static AdminServer start(InetSocketAddress address, Map<String, Route> routes) {
    return start(address, routes, () -> null);
  }

  /**
   * While {@code token} gives a token (asked per request, on the admin executor, so a new
   * configuration's token applies at once), every request but a GET (or HEAD) must carry {@code
   * Authorization: Bearer TOKEN}: reads stay open to monitoring, changes need the token.
   */
  public static AdminServer start(
      InetSocketAddress address,
      Map<String, Route> routes,
      java.util.function.Supplier<String> token) {
    return start(address, routes, token, null);
  }

  /** With {@code tls}, the listener speaks HTTPS only. */
  public static AdminServer start(
      InetSocketAddress address,
      Map<String, Route> routes,
      java.util.function.Supplier<String> token,
      io.netty.handler.ssl.SslContext tls) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    // Several threads, so that a slow call (a revision waiting for the array's votes, ZooKeeper
    // being retried) never holds up /metrics or /ready behind it.
    java.util.concurrent.atomic.AtomicInteger threads =
        new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService work =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "admin-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      Channel channel =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      if (tls != null) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                      }
                      ch.pipeline()
                          .addLast(new ReadTimeoutHandler(30))
                          .addLast(new HttpServerCodec(4096, 8192, 8192))
                          .addLast(new HttpObjectAggregator(64 * 1024))
                          .addLast(new Handler(Map.copyOf(routes), work, token));
                    }
                  })
              .bind(address)
              .syncUninterruptibly()
              .channel();
      return new AdminServer(group, work, channel);
    } catch (Exception e) { // Netty throws the system's bind error unchecked
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      work.shutdownNow();
      throw new IllegalStateException(
          org.ocspcluster.responder.http.ListenErrors.describe(
              "the admin listener (status page, metrics, verbs)",
              address,
              e,
              "admin.listen (or --admin)"),
          e);
    }
  }

  static byte[] sha256(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    work.shutdownNow();
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Map<String, Route> routes;
    private final ExecutorService work;
    private final java.util.function.Supplier<String> token;

    Handler(
        Map<String, Route> routes,
        ExecutorService work,
        java.util.function.Supplier<String> token) {
      this.routes = routes;
      this.work = work;
      this.token = token;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      String method = request.method().name();
      boolean changing = !method.equals("GET") && !method.equals("HEAD");
      String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
      QueryStringDecoder uri = new QueryStringDecoder(request.uri());
      Route route = routes.get(uri.path());
      if (route == null) {
        // Routes ending in '/' take every path below them (e.g. /members/NAME/start).
        route =
            routes.entrySet().stream()
                .filter(
                    e ->
                        e.getKey().length() > 1
                            && e.getKey().endsWith("/")
                            && uri.path().startsWith(e.getKey()))
                .max(java.util.Comparator.comparingInt(e -> e.getKey().length()))
                .map(Map.Entry::getValue)
                .orElse(null);
      }
      if (route == null) {
        send(
            ctx,
            Reply.text(
                404,
                "not found; routes: "
                    + String.join(", ", new java.util.TreeSet<>(routes.keySet()))
                    + "\n"),
            keepAlive);
        return;
      }
      String body = request.content().toString(StandardCharsets.UTF_8);
      Route chosen = route;
      work.execute(
          () -> {
            Reply reply;
            try {
              if (changing && !authorized(authorization)) {
                send(
                    ctx,
                    Reply.text(
                        401,
                        "this admin listener needs its bearer token for "
                            + method
                            + " requests: give "
                            + "the verb --admin-token-file FILE (the cluster's admin.tokenFile) or set OCSP_CLUSTER_ADMIN_TOKEN\n"),
                    keepAlive);
                return;
              }
              reply =
                  chosen.handle(
                      method,
                      uri.path(),
                      uri.parameters(),
                      body,
                      caller(
                          token.get() != null,
                          request.headers().get(USER_HEADER),
                          ctx.channel().remoteAddress()));
            } catch (Exception e) {
              reply = Reply.text(500, "error: " + e.getMessage() + "\n");
            }
            send(ctx, reply, keepAlive);
          });
    }

    /**
     * Who asks, in words: the holder of the admin token (which the listener checked) or, with no
     * token configured, an unverified caller; with the user name the verb says it runs as, and the
     * address it came from.
     */
    static String caller(boolean tokenChecked, String claimedUser, java.net.SocketAddress from) {
      String user =
          claimedUser == null
              ? "an unnamed user"
              : "user " + truncate(claimedUser.replaceAll("[^\\p{Alnum}._@-]", "?"), 64);
      String at =
          from instanceof InetSocketAddress a
              ? a.getAddress().getHostAddress()
              : String.valueOf(from);
      return (tokenChecked ? "admin token holder, " : "unverified (no admin token), ")
          + user
          + " from "
          + at;
    }

    private static String truncate(String text, int max) {
      return text.length() <= max ? text : text.substring(0, max);
    }

    /**
     * True when no token is set, or the header carries it. Compares digests, so the time taken says
     * nothing about how much of the token was right.
     */
    private boolean authorized(String header) {
      String expected = token.get();
      if (expected == null) {
        return true;
      }
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return false;
      }
      return java.security.MessageDigest.isEqual(
          sha256(expected), sha256(header.substring(7).strip()));
    }

    private static void send(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(reply.status()),
              Unpooled.copiedBuffer(reply.body(), StandardCharsets.UTF_8));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
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
