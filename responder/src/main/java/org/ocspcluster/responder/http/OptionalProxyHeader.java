package org.ocspcluster.responder.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import java.util.List;

/**
 * Looks at the first bytes of a connection: a PROXY protocol header (v1 or v2, from the balancer)
 * is decoded and taken off; anything else (the health probes, a client asking a member directly)
 * goes on as plain HTTP. The address it carries is used for logging only, never for access control.
 */
final class OptionalProxyHeader extends ByteToMessageDecoder {
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    ProtocolDetectionResult<HAProxyProtocolVersion> detected =
        HAProxyMessageDecoder.detectProtocol(in);
    switch (detected.state()) {
      case NEEDS_MORE_DATA -> {}
      case DETECTED -> {
        ctx.pipeline().addAfter(ctx.name(), "proxy-header", new ProxyHeader());
        ctx.pipeline().addAfter(ctx.name(), "proxy-decoder", new HAProxyMessageDecoder());
        ctx.pipeline().remove(this);
      }
      case INVALID -> ctx.pipeline().remove(this);
      default -> ctx.pipeline().remove(this);
    }
  }
}
