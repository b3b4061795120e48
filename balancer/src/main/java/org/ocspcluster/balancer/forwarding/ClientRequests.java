package org.ocspcluster.balancer.forwarding;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import org.ocspcluster.responder.http.RequestDeadline;

/**
 * A client connection of an OCSP rule: each whole request is forwarded, one at a time, and answered
 * in the order it came (HTTP/1.1 pipelining). Requests sent ahead wait here, bounded: past {@link
 * #MAX_WAITING} the connection stops being read until its answers catch up.
 */
final class ClientRequests extends ChannelInboundHandlerAdapter {
  static final int MAX_WAITING = 16;

  private final Upstream forwarder;
  private final RequestDeadline deadline;
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();

  /** Stands in the queue for a request that could not be read. */
  private static final Object UNREADABLE = new Object();

  private boolean busy;

  ClientRequests(Upstream forwarder, RequestDeadline deadline) {
    this.forwarder = forwarder;
    this.deadline = deadline;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    deadline.requestComplete();
    if (request.decoderResult().isFailure()) {
      // A line or header past its bound, or not HTTP: answered after what came before, then closed.
      request.release();
      waiting.add(UNREADABLE);
    } else {
      waiting.add(request);
    }
    if (waiting.size() >= MAX_WAITING) {
      ctx.channel().config().setAutoRead(false);
    }
    answerNext(ctx);
  }

  private void answerNext(ChannelHandlerContext ctx) {
    if (busy || waiting.isEmpty()) {
      return;
    }
    Object next = waiting.poll();
    if (!(next instanceof FullHttpRequest request)) {
      ctx.writeAndFlush(Answers.badRequest(HttpVersion.HTTP_1_1))
          .addListener(ChannelFutureListener.CLOSE);
      releaseWaiting();
      return;
    }
    busy = true;
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    forwarder
        .forward(
            request, (InetSocketAddress) ctx.channel().remoteAddress(), ctx.channel().eventLoop())
        .addListener(
            f -> {
              FullHttpResponse response = (FullHttpResponse) f.getNow();
              busy = false;
              if (!ctx.channel().isActive()) {
                response.release();
                releaseWaiting();
                return;
              }
              HttpUtil.setKeepAlive(response, keepAlive);
              if (keepAlive) {
                ctx.writeAndFlush(response, ctx.voidPromise());
              } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                releaseWaiting();
                return;
              }
              if (waiting.size() < MAX_WAITING && !ctx.channel().config().isAutoRead()) {
                ctx.channel().config().setAutoRead(true);
              }
              answerNext(ctx);
            });
  }

  private void releaseWaiting() {
    for (Object r = waiting.poll(); r != null; r = waiting.poll()) {
      ReferenceCountUtil.release(r);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseWaiting();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    releaseWaiting();
    ctx.close();
  }
}
