package org.ocspcluster.responder.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request does not arrive whole within the deadline after its first byte.
 * The idle timeout alone cannot stop a client that sends one byte every few seconds (slowloris) and
 * so holds a connection, and a buffer, forever; this bounds the time a request may take, whatever
 * its pace. The deadline starts at the first byte after the previous request was complete, so a
 * keep-alive connection may rest between requests (until the idle timeout). The balancer's OCSP
 * rules put the same bound on their clients.
 */
public final class RequestDeadline extends ChannelInboundHandlerAdapter {
  private final long nanos;
  private ScheduledFuture<?> pending;

  public RequestDeadline(Duration deadline) {
    this.nanos = deadline.toNanos();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (pending == null && msg instanceof ByteBuf buf && buf.isReadable()) {
      pending = ctx.executor().schedule((Runnable) ctx::close, nanos, TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * The request now being read is whole: no deadline until the next one starts. Event loop only.
   */
  public void requestComplete() {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    requestComplete();
    ctx.fireChannelInactive();
  }
}
