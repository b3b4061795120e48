package org.ocspcluster.balancer.forwarding;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import org.ocspcluster.responder.http.RequestDeadline;

/**
 * A client connection of an OCSP rule: each whole request is forwarded, one at a time, and answered
 * in the order it came (HTTP/1.1 pipelining). Requests sent ahead wait here, bounded: past {@link
 * #MAX_WAITING}, or while the client does not read its answers (the channel is not writable), the
 * connection is not read until it catches up.
 */
final class ClientRequests extends ChannelInboundHandlerAdapter {
  static final int MAX_WAITING = 16;

  /** Stands in the queue for a request that could not be read: 400, then close. */
  static final Object UNREADABLE = new Object();

  /** Stands in the queue for a body past the bound: malformedRequest, then close. */
  static final Object OVERSIZED = new Object();

  private final Upstream forwarder;
  private final RequestDeadline deadline;
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();
  private boolean busy;

  /** A request said Connection: close (or could not be read): nothing after it is answered. */
  private boolean closing;

  ClientRequests(Upstream forwarder, RequestDeadline deadline) {
    this.forwarder = forwarder;
    this.deadline = deadline;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing || lingering) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg == OVERSIZED) {
      deadline.requestComplete();
      waiting.add(OVERSIZED);
      closing = true;
    } else if (msg instanceof FullHttpRequest request) {
      deadline.requestComplete();
      if (request.decoderResult().isFailure()
          || (request.protocolVersion().equals(HttpVersion.HTTP_1_1)
              && !request.headers().contains(HttpHeaderNames.HOST))) {
        // A line or header past its bound, not HTTP, or HTTP/1.1 without Host (RFC 9112 3.2):
        // 400 after what came before, then closed, as the members do.
        request.release();
        waiting.add(UNREADABLE);
        closing = true;
      } else {
        waiting.add(request);
        closing = !HttpUtil.isKeepAlive(request);
      }
    } else {
      ReferenceCountUtil.release(msg);
      return;
    }
    pauseOrResume(ctx);
    answerNext(ctx);
  }

  /** Reads while few requests wait and the client takes its answers; else waits for it. */
  private void pauseOrResume(ChannelHandlerContext ctx) {
    if (lingering) {
      return;
    }
    boolean read = waiting.size() < MAX_WAITING && ctx.channel().isWritable() && !closing;
    if (ctx.channel().config().isAutoRead() != read) {
      ctx.channel().config().setAutoRead(read);
    }
  }

  private void answerNext(ChannelHandlerContext ctx) {
    if (busy || waiting.isEmpty() || !ctx.channel().isWritable()) {
      return;
    }
    Object next = waiting.poll();
    if (next == UNREADABLE || next == OVERSIZED) {
      FullHttpResponse refusal =
          next == UNREADABLE
              ? Answers.badRequest(HttpVersion.HTTP_1_1)
              : Answers.malformed(HttpVersion.HTTP_1_1);
      HttpUtil.setKeepAlive(refusal, false);
      ctx.writeAndFlush(refusal).addListener(f -> lingerThenClose(ctx));
      releaseWaiting();
      return;
    }
    FullHttpRequest request = (FullHttpRequest) next;
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
              // The last answer to a client that will send nothing more ends the connection too.
              boolean last = !keepAlive || (closing && waiting.isEmpty());
              HttpUtil.setKeepAlive(response, !last);
              if (last) {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                releaseWaiting();
                return;
              }
              ctx.writeAndFlush(response, ctx.voidPromise());
              pauseOrResume(ctx);
              answerNext(ctx);
            });
  }

  /**
   * The client finished sending (a half-close): what it sent is answered, then the connection is
   * closed rather than left to the idle timeout.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
      closing = true;
      if (!busy && waiting.isEmpty()) {
        // After what is still on its way out.
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
            .addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  /** The client read what was waiting for it: answer on, read on. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    pauseOrResume(ctx);
    answerNext(ctx);
    ctx.fireChannelWritabilityChanged();
  }

  /** How long a refused client may go on sending what will be thrown away, after the refusal. */
  static final long LINGER_MILLIS = 2_000;

  private boolean lingering;

  /**
   * Closes after a refusal without losing it: the client may still be sending the refused body, and
   * closing a socket with unread bytes resets it, which can destroy the answer in flight. So the
   * output is shut first (the client sees the answer, then the end), what still comes is read and
   * dropped, and the connection closes when the client closes or after {@link #LINGER_MILLIS}.
   */
  private void lingerThenClose(ChannelHandlerContext ctx) {
    if (!(ctx.channel() instanceof io.netty.channel.socket.DuplexChannel duplex)
        || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    lingering = true;
    duplex.shutdownOutput();
    ctx.channel().config().setAutoRead(true);
    ctx.executor()
        .schedule((Runnable) ctx::close, LINGER_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
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
