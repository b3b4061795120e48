package org.ocspcluster.responder.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.ocspcluster.responder.ocsp.Answer;
import org.ocspcluster.responder.ocsp.OcspService;

/**
 * OCSP over HTTP (RFC 6960 appendix A): POST with the DER request as body, or GET with it
 * base64-encoded in the path after any base path. Thin on purpose: it decodes the transport and
 * hands the bytes to {@link OcspService}. Answers go out in request order even when signing
 * finishes out of order (HTTP/1.1 pipelining).
 */
final class OcspHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String REQUEST_TYPE = "application/ocsp-request";
  static final String RESPONSE_TYPE = "application/ocsp-response";

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(OcspHttpHandler.class);

  private static final io.netty.handler.codec.http.HttpHeadersFactory TRUSTED_HEADERS =
      io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().withValidation(false);
  private static final io.netty.handler.codec.http.HttpHeadersFactory NO_TRAILERS =
      io.netty.handler.codec.http.DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

  private final java.util.function.Supplier<OcspService> service;
  private final RequestMetrics metrics;
  private final java.time.Clock clock;

  /** Completes when the previous response was written; only touched on the event loop. */
  private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

  /** The connection's request deadline (null: none), told when each request is whole. */
  private final RequestDeadline deadline;

  OcspHttpHandler(
      java.util.function.Supplier<OcspService> service,
      RequestMetrics metrics,
      java.time.Clock clock,
      RequestDeadline deadline) {
    this.deadline = deadline;
    this.service = service;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (deadline != null) {
      deadline.requestComplete();
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (request.decoderResult().isFailure()) {
      respondPlain(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request\n", false);
      return;
    }
    if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)
        && !request.headers().contains(HttpHeaderNames.HOST)) {
      // RFC 9112 3.2: a server must answer 400 to an HTTP/1.1 request without Host.
      respondPlain(ctx, HttpResponseStatus.BAD_REQUEST, "HTTP/1.1 needs a Host header\n", false);
      return;
    }
    long started = System.nanoTime();
    // HEAD is GET without the body (RFC 9110 9.3.2): same status and headers, Content-Length too.
    boolean head = request.method().equals(HttpMethod.HEAD);
    boolean get = head || request.method().equals(HttpMethod.GET);
    metrics.request(
        head ? "HEAD" : get ? "GET" : request.method().equals(HttpMethod.POST) ? "POST" : "OTHER");
    CompletableFuture<Answer> answer;
    if (request.method().equals(HttpMethod.POST)) {
      String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
      if (!type.toLowerCase(java.util.Locale.ROOT).startsWith(REQUEST_TYPE)) {
        respondPlain(
            ctx,
            HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
            "POST needs Content-Type: " + REQUEST_TYPE + "\n",
            keepAlive);
        return;
      }
      answer = service.get().answer(ByteBufUtil.getBytes(request.content()));
    } else if (get) {
      byte[] der = GetRequestPath.decode(request.uri());
      answer =
          der == null
              ? CompletableFuture.completedFuture(OcspService.malformed())
              : service.get().answer(der);
    } else {
      inTurn(
          ctx,
          () -> {
            FullHttpResponse response =
                plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET or POST\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD, POST");
            write(ctx, response, keepAlive, clock.instant());
          });
      return;
    }
    String ifNoneMatch = request.headers().get(HttpHeaderNames.IF_NONE_MATCH);
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "{} {} from {}",
          request.method(),
          request.uri().length() > 80 ? request.uri().substring(0, 80) + "..." : request.uri(),
          ProxyHeader.client(ctx.channel()));
    }
    if (previous.isDone() && answer.isDone() && !answer.isCompletedExceptionally()) {
      // A pre-produced answer with nothing queued before it: write it now, no hop through a task.
      respond(ctx, answer.join(), started, get, head, ifNoneMatch, keepAlive);
      return;
    }
    previous =
        previous.thenCombineAsync(
            answer,
            (ignored, a) -> {
              respond(ctx, a, started, get, head, ifNoneMatch, keepAlive);
              return null;
            },
            ctx.executor());
  }

  private void respond(
      ChannelHandlerContext ctx,
      Answer a,
      long started,
      boolean get,
      boolean head,
      String ifNoneMatch,
      boolean keepAlive) {
    metrics.answered(a, System.nanoTime() - started);
    boolean cacheHeaders = get && a.cacheable();
    boolean notModified = cacheHeaders && EntityTags.matches(ifNoneMatch, a.etag());
    boolean bodyless = notModified || head;
    // Our own header values, all known good: no validation pass over them on every answer.
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            notModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
            bodyless ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.encoded()),
            TRUSTED_HEADERS,
            NO_TRAILERS);
    HttpHeaders headers = response.headers();
    if (!notModified) {
      headers.set(HttpHeaderNames.CONTENT_TYPE, RESPONSE_TYPE);
    }
    // A 304 or a HEAD answer tells the length the 200 to a GET has (RFC 9110 8.6), not 0.
    headers.setInt(HttpHeaderNames.CONTENT_LENGTH, a.encoded().length);
    if (a.dataThisUpdate() != null) {
      headers.set(Answer.DATA_HEADER, a.dataThisUpdate().getEpochSecond());
    }
    Instant now = clock.instant();
    if (cacheHeaders) {
      cachingHeaders(headers, a, now);
    }
    writeWithDate(ctx, response, keepAlive, now);
  }

  /**
   * RFC 5019 section 6: a GET answer may be cached by HTTP caches until it is signed anew (its
   * window ends, never after its nextUpdate) and no longer; must-revalidate keeps a cache from
   * serving it stale.
   */
  static void cachingHeaders(HttpHeaders headers, Answer a, Instant now) {
    Instant until = a.resignAt() == null ? a.nextUpdate() : a.resignAt();
    long maxAge = Math.max(0, Duration.between(now, until).toSeconds());
    headers.set(
        HttpHeaderNames.CACHE_CONTROL,
        "max-age=" + maxAge + ", public, no-transform, must-revalidate");
    headers.set(HttpHeaderNames.LAST_MODIFIED, HttpDates.format(a.thisUpdate()));
    headers.set(HttpHeaderNames.EXPIRES, HttpDates.format(a.nextUpdate()));
    headers.set(HttpHeaderNames.ETAG, a.etag());
    headers.set(
        HttpHeaderNames.DATE,
        HttpDates.format(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
  }

  /** A refusal, written in its turn: after the answers to the requests pipelined before it. */
  private void respondPlain(
      ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean keepAlive) {
    inTurn(ctx, () -> write(ctx, plain(status, text), keepAlive, clock.instant()));
  }

  private void inTurn(ChannelHandlerContext ctx, Runnable write) {
    if (previous.isDone()) {
      write.run();
    } else {
      previous = previous.thenRunAsync(write, ctx.executor());
    }
  }

  private static FullHttpResponse plain(HttpResponseStatus status, String text) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return response;
  }

  /** Writes a response with its body's length and a Date (RFC 9110 6.6.1: every answer). */
  static void write(
      ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive, Instant now) {
    HttpUtil.setContentLength(response, response.content().readableBytes());
    writeWithDate(ctx, response, keepAlive, now);
  }

  private static void writeWithDate(
      ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive, Instant now) {
    if (!response.headers().contains(HttpHeaderNames.DATE)) {
      response.headers().set(HttpHeaderNames.DATE, HttpDates.format(now));
    }
    if (keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(response, ctx.voidPromise());
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
