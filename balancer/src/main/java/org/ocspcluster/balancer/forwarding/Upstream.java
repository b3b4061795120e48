package org.ocspcluster.balancer.forwarding;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;

/**
 * Answers an OCSP request for a client: the members through {@link Forwarder}, or the {@link
 * EdgeCache} in front of it. The client connection's handler knows only this.
 */
interface Upstream {
  /**
   * The answer to {@code request} (taken and released by this), for the client's HTTP version;
   * never fails. Called on {@code loop}, and completes there.
   */
  Future<FullHttpResponse> forward(
      FullHttpRequest request, InetSocketAddress client, EventLoop loop);
}
