package org.ocspcluster.balancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.function.LongConsumer;

/**
 * Copies bytes from its channel to a peer with back-pressure on writability: both channels read on
 * their own (auto-read), writes are flushed once per read burst, and a channel stops reading while
 * its peer cannot take more (the peer's outbound buffer is over its high-water mark), starting
 * again when the peer drains. A half-close is relayed (the peer's output is shut when this side's
 * input ends); the pair is closed once both directions are done, or when either side fails.
 */
final class Relay extends ChannelInboundHandlerAdapter {
  private final Channel peer;
  private final LongConsumer bytes;

  Relay(Channel peer, LongConsumer bytes) {
    this.peer = peer;
    this.bytes = bytes;
  }

  /** Starts relaying once both channels are set up: from here on the channel reads by itself. */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Channel channel = ctx.channel();
    // A client that sent its request and shut its side before the member was connected has nothing
    // more to read; asking to read would only fail.
    if (channel.isActive()
        && !(channel instanceof DuplexChannel duplex && duplex.isInputShutdown())) {
      channel.config().setAutoRead(true);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(true);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!peer.isActive()) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    if (msg instanceof ByteBuf buf) {
      bytes.accept(buf.readableBytes());
    }
    // A failed write surfaces as exceptionCaught on the peer, whose relay closes the pair.
    peer.write(msg, peer.voidPromise());
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peer.flush();
    if (!peer.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  /** This channel drained: its peer, paused because of it, may read again. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && peer.isActive()) {
      peer.config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // This side will send no more: tell the peer the same, keep the other direction open. When
      // the peer's own input ends later, both directions are done: it is closed outright rather
      // than half-closed again (a shutdown of an already finished socket fails, and Netty builds an
      // exception for that on every such connection).
      if (peer instanceof DuplexChannel duplex && peer.isActive()) {
        duplex.shutdownOutput();
        peer.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
      }
      if (ctx.channel() instanceof DuplexChannel self && self.isOutputShutdown()) {
        ctx.close();
        peer.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeOnFlush(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
    closeOnFlush(peer);
  }

  static void closeOnFlush(Channel channel) {
    if (channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
