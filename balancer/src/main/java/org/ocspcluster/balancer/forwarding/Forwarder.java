package org.ocspcluster.balancer.forwarding;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bouncycastle.asn1.ocsp.OCSPResponseStatus;
import org.ocspcluster.balancer.proxy.Selection;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/**
 * Sends one OCSP request to the rule's members until one answers: the first member by the rule's
 * selection, then the next in the rule's order when a try fails (refused, closed, no answer within
 * the try's timeout, an HTTP 5xx, an OCSP tryLater or internalError). OCSP requests are safe to
 * repeat. Tries are bounded per request and, beyond the first, by the rule's {@link RetryBudget}.
 * The client always gets an answer: a member's, else the last failing answer a member gave, else
 * 503 with Retry-After.
 */
final class Forwarder implements Upstream {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Forwarder.class);

  /** A try that got no answer in time; made per timeout, without a stack (nobody reads it). */
  static final class NoAnswer extends TimeoutException {
    private static final long serialVersionUID = 1L;

    NoAnswer() {
      super("no answer within the try's timeout");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private final PortRule rule;
  private final Selection selection;
  private final ForwardingEvents events;
  private final MemberPools pools;
  private final RetryBudget budget;
  private final long tryTimeoutNanos;

  Forwarder(
      PortRule rule,
      Selection selection,
      ForwardingEvents events,
      MemberPools pools,
      RetryBudget budget) {
    this.rule = rule;
    this.selection = selection;
    this.events = events;
    this.pools = pools;
    this.budget = budget;
    this.tryTimeoutNanos = rule.ocsp().tryTimeout().toNanos();
  }

  /**
   * The answer to {@code request} (which this takes and releases), for the client's HTTP version;
   * the future never fails. Event loop {@code loop} only.
   */
  @Override
  public Future<FullHttpResponse> forward(
      FullHttpRequest request, InetSocketAddress client, EventLoop loop) {
    Promise<FullHttpResponse> answer = loop.newPromise();
    budget.request();
    HttpVersion version = request.protocolVersion();
    forMembers(request);
    List<Member> order = selection.candidates(rule, client, rule.ocsp().tries());
    if (order.isEmpty()) {
      request.release();
      events.request(rule, null, "unavailable");
      answer.setSuccess(Answers.unavailable(version));
      return answer;
    }
    new Exchange(request, version, order, loop, answer).next();
    return answer;
  }

  /** Members get HTTP/1.1 on a kept-alive connection whatever the client spoke. */
  private static void forMembers(FullHttpRequest request) {
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    request.headers().remove(HttpHeaderNames.CONNECTION);
    request.headers().remove("keep-alive");
    request.headers().remove("proxy-connection");
    request.headers().remove(HttpHeaderNames.TE);
    request.headers().remove(HttpHeaderNames.UPGRADE);
  }

  /** One request's tries. Event loop only. */
  private final class Exchange {
    private final FullHttpRequest request;
    private final HttpVersion version;
    private final List<Member> order;
    private final EventLoop loop;
    private final Promise<FullHttpResponse> answer;
    private int tries;
    private FullHttpResponse lastFailing;
    private Member lastFailingMember;

    Exchange(
        FullHttpRequest request,
        HttpVersion version,
        List<Member> order,
        EventLoop loop,
        Promise<FullHttpResponse> answer) {
      this.request = request;
      this.version = version;
      this.order = order;
      this.loop = loop;
      this.answer = answer;
    }

    void next() {
      if (tries > 0) {
        boolean sent = tries < rule.ocsp().tries() && budget.tryRetry();
        if (tries < rule.ocsp().tries()) {
          events.retry(rule, sent);
        }
        if (!sent) {
          giveUp();
          return;
        }
      }
      Member member = order.get(tries % order.size());
      tries++;
      FixedChannelPool pool = pools.pool(loop, member);
      pool.acquire()
          .addListener(
              (Future<Channel> acquired) -> {
                try {
                  if (acquired.isSuccess()) {
                    send(member, pool, acquired.getNow());
                    return;
                  }
                  Throwable cause = acquired.cause();
                  if (cause instanceof java.net.SocketException
                      || cause instanceof io.netty.channel.ConnectTimeoutException) {
                    events.connectFailed(member);
                    events.tried(rule, member, "refused");
                  } else {
                    // All connections busy past the try's timeout, or the pool closed because the
                    // member left or moved: no fault of the member's.
                    events.tried(rule, member, "busy");
                  }
                  next();
                } catch (RuntimeException e) {
                  fail(e);
                }
              });
    }

    private void send(Member member, FixedChannelPool pool, Channel channel) {
      MemberAnswer exchange = channel.pipeline().get(MemberAnswer.class);
      if (exchange == null) {
        // Closed between the pool's health check and now: its handlers are gone.
        pool.release(channel);
        events.tried(rule, member, "closed");
        next();
        return;
      }
      pools.inUse(member.name()).incrementAndGet();
      boolean reused = exchange.reused();
      if (!reused) {
        events.connected(member);
      }
      Promise<FullHttpResponse> reply = loop.newPromise();
      exchange.expect(reply);
      ScheduledFuture<?> timeout =
          loop.schedule(
              () -> {
                reply.tryFailure(new NoAnswer());
              },
              tryTimeoutNanos,
              TimeUnit.NANOSECONDS);
      channel
          .writeAndFlush(request.retainedDuplicate())
          .addListener(
              written -> {
                if (!written.isSuccess()) {
                  reply.tryFailure(written.cause());
                }
              });
      reply.addListener(
          (Future<FullHttpResponse> done) -> {
            try {
              timeout.cancel(false);
              pools.inUse(member.name()).decrementAndGet();
              // A connection whose try failed, or that the member will close, is closed before it
              // goes back: the pool never hands it to another request.
              if (!done.isSuccess() || !HttpUtil.isKeepAlive(done.getNow())) {
                channel.close();
              }
              pool.release(channel);
              if (done.isSuccess()) {
                judge(member, done.getNow());
              } else if (done.cause() instanceof NoAnswer) {
                events.unanswered(member);
                events.tried(rule, member, "timeout");
                next();
              } else {
                // A kept-alive connection the member closed as it was reused is no sign of trouble.
                if (!reused) {
                  events.failedAnswer(member, "closed the connection before answering");
                }
                events.tried(rule, member, "closed");
                next();
              }
            } catch (RuntimeException e) {
              fail(e);
            }
          });
    }

    /** A bug of ours must not hang the client: it gets the last answer, or 503. */
    private void fail(RuntimeException e) {
      LOG.warn("rule {}: forwarding failed: {}", rule.name(), e.toString());
      if (!answer.isDone()) {
        giveUp();
      }
    }

    private void judge(Member member, FullHttpResponse response) {
      String failure = failure(response);
      if (failure == null) {
        events.answered(member);
        events.tried(rule, member, "answered");
        events.request(rule, member, "answered");
        finish(response);
        return;
      }
      events.failedAnswer(member, "answered " + failure.replace('_', ' '));
      events.tried(rule, member, failure);
      if (lastFailing != null) {
        lastFailing.release();
      }
      lastFailing = response;
      lastFailingMember = member;
      next();
    }

    private void giveUp() {
      if (lastFailing != null) {
        events.request(rule, lastFailingMember, "last_answer");
        FullHttpResponse last = lastFailing;
        lastFailing = null;
        finish(last);
      } else {
        events.request(rule, null, "unavailable");
        request.release();
        answer.setSuccess(Answers.unavailable(version));
      }
    }

    private void finish(FullHttpResponse response) {
      request.release();
      if (lastFailing != null) {
        lastFailing.release();
        lastFailing = null;
      }
      response.setProtocolVersion(version);
      response.headers().remove(HttpHeaderNames.CONNECTION);
      response.headers().remove("keep-alive");
      answer.setSuccess(response);
    }
  }

  /** Why an answer calls for another member (null: it is the answer). */
  static String failure(FullHttpResponse response) {
    int code = response.status().code();
    if (code >= 500) {
      return "http_" + code;
    }
    if (code != 200
        || !Answers.OCSP_RESPONSE.equalsIgnoreCase(
            response.headers().get(HttpHeaderNames.CONTENT_TYPE, "").trim())) {
      return null;
    }
    return switch (Answers.ocspStatus(response.content())) {
      case OCSPResponseStatus.TRY_LATER -> "try_later";
      case OCSPResponseStatus.INTERNAL_ERROR -> "internal_error";
      default -> null;
    };
  }
}
