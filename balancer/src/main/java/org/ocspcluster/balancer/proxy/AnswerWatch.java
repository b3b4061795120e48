package org.ocspcluster.balancer.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.config.Member;

/**
 * On a connection to a member: when bytes go to the member and nothing comes back within the health
 * timeout, the member is reported as not answering. A frozen process still accepts connections (the
 * kernel does), so refused connects never show it; this does, within seconds, where the probes need
 * {@code fall} rounds.
 */
final class AnswerWatch extends ChannelDuplexHandler {
  private final Member member;
  private final ConnectionEvents events;
  private final long timeoutNanos;
  private ScheduledFuture<?> pending;

  AnswerWatch(Member member, ConnectionEvents events) {
    this.member = member;
    this.events = events;
    this.timeoutNanos = events.answerTimeout().toNanos();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (pending == null) {
      pending =
          ctx.executor()
              .schedule(
                  () -> {
                    pending = null;
                    events.unanswered(member);
                  },
                  timeoutNanos,
                  TimeUnit.NANOSECONDS);
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
      events.answered(member);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
    ctx.fireChannelInactive();
  }
}
