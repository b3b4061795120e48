package org.ocspcluster.balancer.forwarding;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.concurrent.atomic.AtomicInteger;
import org.ocspcluster.balancer.proxy.Selection;
import org.ocspcluster.balancer.proxy.Transport;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.config.ResponderSettings;
import org.ocspcluster.responder.http.RequestDeadline;

/**
 * A {@code mode: ocsp} port rule: what each accepted client connection runs (HTTP/1.1 with the
 * members' own bounds on lines, headers, bodies and request time, then {@link ClientRequests}), the
 * rule's member connection pools and its retry budget.
 */
public final class OcspRule implements AutoCloseable {
  /** The same bounds as the members' listener, so the balancer takes nothing a member would not. */
  static final int MAX_LINE = 8 * 1024;

  static final int MAX_HEADERS = 8 * 1024;
  static final int MAX_BODY = 8 * 1024;

  private final PortRule rule;
  private final ForwardingEvents events;
  private final Selection selection;
  private final MemberPools pools;
  private final Upstream forwarder;
  private final EdgeCache cache;
  private final java.time.Duration requestTimeout;

  public OcspRule(
      PortRule rule,
      Selection selection,
      ForwardingEvents events,
      Transport transport,
      BalancerSettings settings,
      ResponderSettings members) {
    this.rule = rule;
    this.events = events;
    this.selection = selection;
    this.pools = new MemberPools(transport, settings, rule, selection);
    Forwarder toMembers =
        new Forwarder(
            rule,
            selection,
            events,
            pools,
            new RetryBudget(
                rule.ocsp().retryBudget(), rule.ocsp().minRetriesPerSecond(), System::nanoTime));
    this.cache =
        rule.ocsp().cache() == null
            ? null
            : new EdgeCache(rule, rule.ocsp().cache(), toMembers, events);
    this.forwarder = cache == null ? toMembers : cache;
    this.requestTimeout = members.requestTimeout();
  }

  /** Sets up an accepted client connection (after the listener's idle timeout). */
  public void accept(Channel client) {
    if (!selection.admit(rule, (java.net.InetSocketAddress) client.remoteAddress())) {
      client.close();
      return;
    }
    events.clientOpened(rule, client);
    RequestDeadline deadline = new RequestDeadline(requestTimeout);
    client
        .pipeline()
        .addLast(deadline)
        .addLast(new HttpServerCodec(MAX_LINE, MAX_HEADERS, MAX_BODY))
        .addLast(new BoundedBody())
        .addLast(new ClientRequests(forwarder, deadline));
  }

  /** Connections open to {@code member} now, idle or in use. */
  public AtomicInteger open(String member) {
    return pools.open(member);
  }

  /** Connections to {@code member} carrying a request now. */
  public AtomicInteger inUse(String member) {
    return pools.inUse(member);
  }

  /** {@code member} left or moved: its kept-alive connections go. */
  public void forget(String member) {
    pools.forget(member);
    if (cache != null) {
      cache.forget(member);
    }
  }

  /** True when the rule keeps an edge cache. */
  public boolean caches() {
    return cache != null;
  }

  /** Answers the edge cache keeps now (0 without one). */
  public long cacheEntries() {
    return cache == null ? 0 : cache.entries();
  }

  /** Bytes of those answers. */
  public long cacheBytes() {
    return cache == null ? 0 : cache.bytes();
  }

  /** Which configuration each CA key is, for the edge cache (read off the event loops). */
  public void index(CaIndex index) {
    if (cache != null) {
      cache.index(index);
    }
  }

  /**
   * A health probe of {@code member} answered with {@code data} for {@code configuration}: newer
   * revocation data or another signer drops that configuration's kept answers.
   */
  public void probed(String member, String configuration, org.ocspcluster.health.AnswerData data) {
    if (cache != null) {
      cache.newest(configuration, member, data, "a health probe of " + member);
    }
  }

  /**
   * Drops {@code configuration}'s kept answers (a revision changed it, or its data was refreshed).
   */
  public void drop(String configuration, String why) {
    if (cache != null) {
      cache.drop(configuration, why);
    }
  }

  /**
   * A revision changed {@code configuration}: its kept answers go, and its data may now be older
   * than any seen before.
   */
  public void revised(String configuration, String why) {
    if (cache != null) {
      cache.drop(configuration, why, true);
    }
  }

  @Override
  public void close() {
    pools.close();
  }

  /**
   * A body past {@link #MAX_BODY} is no OCSP request: malformedRequest, as a member says, then
   * close.
   */
  private static final class BoundedBody extends HttpObjectAggregator {
    BoundedBody() {
      super(MAX_BODY);
    }

    /**
     * No {@code 100 Continue}, 413 or 417 written here, out of turn with answers still pending: an
     * oversized body is refused in its turn below, and a client that expects a continue sends its
     * body after its own short wait.
     */
    @Override
    protected Object newContinueResponse(
        HttpMessage start, int maxContentLength, io.netty.channel.ChannelPipeline pipeline) {
      return null;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      // Answered in its turn, after what the client sent before it (pipelining keeps order).
      ctx.fireChannelRead(ClientRequests.OVERSIZED);
    }
  }
}
