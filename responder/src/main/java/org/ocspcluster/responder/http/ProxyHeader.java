package org.ocspcluster.responder.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Takes the PROXY protocol header (v1 or v2, decoded by Netty's HAProxyMessageDecoder before it)
 * that the balancer sends first, and keeps the real client's address on the channel, so that the
 * responder logs clients rather than the balancer.
 */
final class ProxyHeader extends ChannelInboundHandlerAdapter {
  static final AttributeKey<InetSocketAddress> CLIENT = AttributeKey.valueOf("ocsp-cluster.client");

  /** The real client: from the PROXY header when there was one, else the peer. */
  static SocketAddress client(Channel channel) {
    InetSocketAddress proxied = channel.attr(CLIENT).get();
    return proxied != null ? proxied : channel.remoteAddress();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HAProxyMessage header) {
      try {
        if (header.sourceAddress() != null) {
          ctx.channel()
              .attr(CLIENT)
              .set(new InetSocketAddress(header.sourceAddress(), header.sourcePort()));
        }
      } finally {
        header.release();
      }
      ctx.pipeline().remove(this);
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
