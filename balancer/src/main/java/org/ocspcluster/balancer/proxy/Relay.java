package org.ocspcluster.balancer.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Copies bytes from its channel to a peer with back-pressure: the channel is read again only once
 * the last write to the peer is done (both channels run with auto-read off). When either side
 * closes, the other is flushed and closed.
 */
final class Relay extends ChannelInboundHandlerAdapter {
  private final Channel peer;

  Relay(Channel peer) {
    this.peer = peer;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!peer.isActive()) {
      io.netty.util.ReferenceCountUtil.release(msg);
      return;
    }
    peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        ctx.read();
      } else {
        f.channel().close();
        ctx.close();
      }
    });
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeOnFlush(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    closeOnFlush(ctx.channel());
  }

  static void closeOnFlush(Channel channel) {
    if (channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
