package org.ocspcluster.responder.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the connections a member holds: in total and per client address. A connection past a bound
 * is answered {@code 503 Service Unavailable} with {@code Retry-After} and closed at once, so a
 * flood of idle connections costs the member a few bytes each, not its file descriptors.
 */
@ChannelHandler.Sharable
final class ConnectionLimits extends ChannelInboundHandlerAdapter {
  private static final AttributeKey<InetAddress> COUNTED =
      AttributeKey.valueOf("ocsp.connection.counted");
  private static final byte[] REFUSAL =
      String.join(
              "\r\n",
              "HTTP/1.1 503 Service Unavailable",
              "Retry-After: 1",
              "Content-Type: text/plain",
              "Content-Length: 39",
              "Connection: close",
              "",
              "too many connections; try again later",
              "")
          .getBytes(StandardCharsets.US_ASCII);

  private final int maxConnections;
  private final int maxPerClient;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final ConcurrentHashMap<InetAddress, AtomicInteger> byClient = new ConcurrentHashMap<>();

  /** {@code maxPerClient} 0: no per-client bound. */
  ConnectionLimits(int maxConnections, int maxPerClient) {
    this.maxConnections = maxConnections;
    this.maxPerClient = maxPerClient;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    InetAddress client =
        ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    int total = open.incrementAndGet();
    int fromClient = 0;
    if (maxPerClient > 0 && client != null) {
      fromClient = byClient.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
    }
    ctx.channel().attr(COUNTED).set(client);
    if (total > maxConnections || (maxPerClient > 0 && fromClient > maxPerClient)) {
      refused.incrementAndGet();
      ctx.writeAndFlush(Unpooled.wrappedBuffer(REFUSAL)).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    open.decrementAndGet();
    InetAddress client = ctx.channel().attr(COUNTED).getAndSet(null);
    if (maxPerClient > 0 && client != null) {
      byClient.computeIfPresent(client, (c, n) -> n.decrementAndGet() == 0 ? null : n);
    }
    ctx.fireChannelInactive();
  }

  /** Connections open now (refused ones included until they close). */
  int open() {
    return open.get();
  }

  /** Connections refused since start. */
  long refused() {
    return refused.get();
  }
}
