package org.ocspcluster.balancer.forwarding;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import java.io.IOException;

/**
 * The last handler of a pooled member connection: hands the member's answer to the request that
 * waits for it. One request at a time per connection, so the answer that comes is the one awaited;
 * anything else (an answer nobody waits for) means the connection is out of step and is closed.
 */
final class MemberAnswer extends ChannelInboundHandlerAdapter {
  /** The member closed the connection before its answer; made per close, without a stack. */
  static final class Closed extends IOException {
    private static final long serialVersionUID = 1L;

    Closed() {
      super("the member closed the connection before answering");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private Promise<FullHttpResponse> waiting;

  /** Answers taken on this connection: a failure on a reused one may be its idle close. */
  private int answers;

  /** The next answer on this connection goes to {@code promise}. Event loop only. */
  void expect(Promise<FullHttpResponse> promise) {
    waiting = promise;
  }

  boolean reused() {
    return answers > 0;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Promise<FullHttpResponse> promise = waiting;
    waiting = null;
    if (promise != null && msg instanceof FullHttpResponse response) {
      answers++;
      if (!promise.trySuccess(response)) {
        response.release();
      }
      return;
    }
    ReferenceCountUtil.release(msg);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (waiting != null) {
      fail(new Closed());
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Closed first, so that the connection is no longer active when its request learns of it.
    ctx.close();
    fail(cause);
  }

  private void fail(Throwable cause) {
    Promise<FullHttpResponse> promise = waiting;
    waiting = null;
    if (promise != null) {
      promise.tryFailure(cause);
    }
  }
}
