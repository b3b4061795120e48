package org.ocspcluster.balancer.forwarding;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.ocspcluster.config.OcspForwarding;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.health.AnswerData;
import org.ocspcluster.responder.http.EntityTags;
import org.ocspcluster.responder.http.HttpDates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The balancer's own cache of OCSP answers, in front of the members (RFC 5019 section 6's HTTP
 * cache, made OCSP-aware): a nonce-less one-CertID request, GET or POST, whose answer its member
 * marked cacheable (Cache-Control max-age) is answered from here until that max-age or the answer's
 * nextUpdate, whichever comes first, with the caching headers counting down (Age, max-age) and 304
 * for a matching If-None-Match. Bounded in entries and bytes (Caffeine, least used first).
 * Concurrent misses for one CertID make one request to the members.
 *
 * <p>Answers are kept per revocation configuration, and dropped per configuration when it may have
 * changed: a revision that changes it, or an answer (a health probe's, or a member's to a miss)
 * showing newer revocation data (a later thisUpdate) or another signer. An answer about older data
 * than the newest seen is passed on but not kept.
 */
final class EdgeCache implements Upstream {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeCache.class);

  /**
   * The request's DER bytes: a hit is found without parsing (the same bytes are the same request);
   * a request is parsed once, on its miss.
   */
  private record Key(ByteBuffer der) {}

  /**
   * A kept answer, of {@code configuration}; times are System.nanoTime() readings. It is served
   * only while its generation has had no drop since it was kept ({@code drops}): a drop takes
   * effect at once, before the scan that frees the entries has run.
   */
  private record Entry(
      String configuration,
      Generation generation,
      long drops,
      byte[] body,
      String etag,
      String lastModified,
      String expires,
      long storedNanos,
      String cacheControl,
      long expiresNanos) {}

  /**
   * The newest data seen per configuration, and a count of drops (misses begun before one are not
   * kept).
   */
  private static final class Generation {
    Instant thisUpdate = Instant.MIN;
    final Map<String, String> signers = new ConcurrentHashMap<>();
    final AtomicLong drops = new AtomicLong();
  }

  private final PortRule rule;
  private final Upstream members;
  private final ForwardingEvents events;
  private final Cache<Key, Entry> cache;
  private final Map<Key, CompletableFuture<Entry>> misses = new ConcurrentHashMap<>();
  private final Map<String, Generation> generations = new ConcurrentHashMap<>();
  private volatile CaIndex index = CaIndex.EMPTY;
  private final AtomicLong bytes = new AtomicLong();

  EdgeCache(PortRule rule, OcspForwarding.Cache bounds, Upstream members, ForwardingEvents events) {
    this.rule = rule;
    this.members = members;
    this.events = events;
    long maxBytes = bounds.megabytes() * 1024L * 1024L;
    // Each entry weighs its bytes, but at least maxBytes / entries: so the one weight bound keeps
    // both the bytes and the number of entries within theirs.
    long floor = Math.max(1, maxBytes / bounds.entries());
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher(
                (Key k, Entry e) ->
                    (int)
                        Math.min(
                            Integer.MAX_VALUE,
                            Math.max(floor, e.body().length + k.der().capacity())))
            .expireAfter(
                new Expiry<Key, Entry>() {
                  @Override
                  public long expireAfterCreate(Key key, Entry e, long now) {
                    return Math.max(0, e.expiresNanos() - now);
                  }

                  @Override
                  public long expireAfterUpdate(Key key, Entry e, long now, long current) {
                    return Math.max(0, e.expiresNanos() - now);
                  }

                  @Override
                  public long expireAfterRead(Key key, Entry e, long now, long current) {
                    return current;
                  }
                })
            .removalListener(
                (Key k, Entry e, RemovalCause cause) -> {
                  if (e != null) {
                    bytes.addAndGet(-e.body().length);
                  }
                  if (cause != RemovalCause.REPLACED) {
                    events.cacheRemoved(
                        rule,
                        cause == RemovalCause.EXPLICIT
                            ? "dropped"
                            : cause == RemovalCause.EXPIRED ? "expired" : "size");
                  }
                })
            .build();
  }

  /** Answers kept now. */
  long entries() {
    return cache.estimatedSize();
  }

  /** Bytes of the answers kept now. */
  long bytes() {
    return bytes.get();
  }

  /** Which configuration each CA key is: set at start and by each revision. */
  void index(CaIndex next) {
    index = next;
  }

  @Override
  public Future<FullHttpResponse> forward(
      FullHttpRequest request, InetSocketAddress client, EventLoop loop) {
    byte[] der = CacheableRequest.der(request);
    Key key = der == null ? null : new Key(ByteBuffer.wrap(der));
    Entry kept = key == null ? null : cache.getIfPresent(key);
    long now = System.nanoTime();
    if (kept != null
        && kept.expiresNanos() - now > 0
        && kept.generation().drops.get() == kept.drops()) {
      return loop.newSucceededFuture(answer(kept, request, now, true));
    }
    CacheableRequest cacheable = der == null ? null : CacheableRequest.of(der);
    String configuration =
        cacheable == null ? null : index.configuration(cacheable.issuerKeyHash());
    if (configuration == null) {
      events.cache(rule, "bypass");
      return members.forward(request, client, loop);
    }
    Promise<FullHttpResponse> answer = loop.newPromise();
    CompletableFuture<Entry> mine = new CompletableFuture<>();
    CompletableFuture<Entry> running = misses.putIfAbsent(key, mine);
    if (running != null) {
      // Another client asks the members for this CertID now: its answer serves this one too.
      events.cache(rule, "shared_miss");
      running.whenComplete(
          (entry, error) ->
              loop.execute(
                  () -> {
                    if (entry != null) {
                      answer.setSuccess(answer(entry, request, System.nanoTime(), false));
                    } else {
                      members
                          .forward(request, client, loop)
                          .addListener(f -> answer.setSuccess((FullHttpResponse) f.getNow()));
                    }
                  }));
      return answer;
    }
    events.cache(rule, "miss");
    Generation generation = generations.computeIfAbsent(configuration, c -> new Generation());
    long drops = generation.drops.get();
    Future<FullHttpResponse> asked;
    try {
      asked = members.forward(cacheable.asGet(request), client, loop);
    } catch (RuntimeException e) {
      // Never leave the clients waiting on this miss behind.
      misses.remove(key, mine);
      mine.complete(null);
      throw e;
    }
    asked.addListener(
        f -> {
          FullHttpResponse response = (FullHttpResponse) f.getNow();
          Entry entry = null;
          try {
            entry = keep(key, configuration, cacheable, response, generation, drops);
          } finally {
            // Whatever happened, the clients waiting on this miss are let go.
            misses.remove(key, mine);
            mine.complete(entry);
          }
          if (entry != null) {
            response.release();
            answer.setSuccess(answer(entry, request, System.nanoTime(), false));
          } else {
            response.setProtocolVersion(request.protocolVersion());
            request.release();
            answer.setSuccess(response);
          }
        });
    return answer;
  }

  /**
   * The kept answer for {@code request} (which this releases): 200, or 304 when the client has it.
   */
  private FullHttpResponse answer(Entry e, FullHttpRequest request, long now, boolean hit) {
    HttpVersion version = request.protocolVersion();
    // 304 is for a GET's cache (RFC 9110 13.1.2); a POST gets the answer.
    String ifNoneMatch =
        io.netty.handler.codec.http.HttpMethod.GET.equals(request.method())
            ? request.headers().get(HttpHeaderNames.IF_NONE_MATCH)
            : null;
    request.release();
    boolean notModified = EntityTags.matches(ifNoneMatch, e.etag());
    if (hit) {
      events.cache(rule, notModified ? "not_modified" : "hit");
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            version,
            notModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
            notModified ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(e.body()));
    HttpHeaders h = response.headers();
    // As a cache (RFC 9111 5.1): the stored freshness lifetime, and the Age it has reached; what is
    // left is max-age minus Age, which counts down.
    long age = Math.max(0, (now - e.storedNanos()) / 1_000_000_000L);
    if (!notModified) {
      h.set(HttpHeaderNames.CONTENT_TYPE, Answers.OCSP_RESPONSE);
    }
    // A 304 tells the length of the 200 it stands for (RFC 9110 8.6), not 0.
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, e.body().length);
    h.set(HttpHeaderNames.CACHE_CONTROL, e.cacheControl());
    h.set(HttpHeaderNames.AGE, Long.toString(age));
    if (e.etag() != null) {
      h.set(HttpHeaderNames.ETAG, e.etag());
    }
    if (e.lastModified() != null) {
      h.set(HttpHeaderNames.LAST_MODIFIED, e.lastModified());
    }
    if (e.expires() != null) {
      h.set(HttpHeaderNames.EXPIRES, e.expires());
    }
    h.set(HttpHeaderNames.DATE, HttpDates.format(Instant.now()));
    return response;
  }

  /**
   * Keeps the members' answer when it may be shared: 200, marked cacheable, a successful OCSP
   * answer about exactly this CertID without a nonce, with a nextUpdate, about data no older than
   * the newest seen, and no drop of the configuration since the miss began. Null when not kept.
   */
  private Entry keep(
      Key key,
      String configuration,
      CacheableRequest request,
      FullHttpResponse response,
      Generation generation,
      long drops) {
    if (response.status().code() != 200
        || Forwarder.failure(response) != null
        || !Answers.OCSP_RESPONSE.equalsIgnoreCase(
            response.headers().get(HttpHeaderNames.CONTENT_TYPE, "").trim())) {
      return null;
    }
    long maxAge = maxAge(response.headers().get(HttpHeaderNames.CACHE_CONTROL));
    if (maxAge <= 0) {
      return null;
    }
    byte[] body = ByteBufUtil.getBytes(response.content());
    try {
      OCSPResp ocsp = new OCSPResp(body);
      if (ocsp.getStatus() != OCSPResp.SUCCESSFUL
          || !(ocsp.getResponseObject() instanceof BasicOCSPResp basic)
          || basic.getResponses().length != 1
          || basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce) != null) {
        return null;
      }
      SingleResp single = basic.getResponses()[0];
      if (single.getNextUpdate() == null
          || !ByteBuffer.wrap(single.getCertID().toASN1Primitive().getEncoded())
              .equals(request.certId())) {
        return null;
      }
      AnswerData data = AnswerData.of(basic, response.headers().get(AnswerData.HEADER));
      if (!newest(configuration, null, data, "a member's answer")
          || generation.drops.get() != drops) {
        return null;
      }
      long now = System.nanoTime();
      long untilNextUpdate =
          java.time.Duration.between(Instant.now(), single.getNextUpdate().toInstant()).toNanos();
      long lifetime = Math.min(maxAge * 1_000_000_000L, untilNextUpdate);
      if (lifetime <= 0) {
        return null;
      }
      Entry entry =
          new Entry(
              configuration,
              generation,
              drops,
              body,
              response.headers().get(HttpHeaderNames.ETAG),
              response.headers().get(HttpHeaderNames.LAST_MODIFIED),
              response.headers().get(HttpHeaderNames.EXPIRES),
              now,
              "max-age="
                  + Math.max(1, lifetime / 1_000_000_000L)
                  + ", public, no-transform, must-revalidate",
              now + lifetime);
      bytes.addAndGet(body.length);
      cache.put(key, entry);
      return entry;
    } catch (java.io.IOException | org.bouncycastle.cert.ocsp.OCSPException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Notes what an answer says of {@code configuration}'s data; drops its kept answers when that is
   * newer data, or (from a probe of {@code member}) another signer. False when the answer is about
   * older data than the newest seen: it must not be kept.
   */
  boolean newest(String configuration, String member, AnswerData data, String seenIn) {
    Generation g = generations.computeIfAbsent(configuration, c -> new Generation());
    String why = null;
    boolean older;
    synchronized (g) {
      older = data.thisUpdate().isBefore(g.thisUpdate);
      if (data.thisUpdate().isAfter(g.thisUpdate)) {
        if (!g.thisUpdate.equals(Instant.MIN)) {
          why = "newer revocation data (thisUpdate " + data.thisUpdate() + ") in " + seenIn;
        }
        g.thisUpdate = data.thisUpdate();
      }
      if (member != null) {
        String before = g.signers.put(member, data.signer());
        if (before != null && !before.equals(data.signer()) && why == null) {
          why = "another signer in " + seenIn;
        }
      }
    }
    if (why != null) {
      drop(configuration, why);
    }
    return !older;
  }

  /**
   * Drops every kept answer of {@code configuration}, saying why (once, in the log). It takes
   * effect at once (entries carry the drop count they were kept under); the scan that frees them
   * runs off the event loops.
   */
  void drop(String configuration, String why) {
    drop(configuration, why, false);
  }

  /**
   * As {@link #drop(String, String)}; with {@code reset} (a revision changed the configuration) the
   * newest data seen is forgotten too, since the new data may be older.
   */
  void drop(String configuration, String why, boolean reset) {
    Generation g = generations.computeIfAbsent(configuration, c -> new Generation());
    synchronized (g) {
      g.drops.incrementAndGet();
      if (reset) {
        g.thisUpdate = Instant.MIN;
        g.signers.clear();
      }
    }
    long now = g.drops.get();
    ForkJoinPool.commonPool()
        .execute(
            () -> {
              int[] dropped = {0};
              cache
                  .asMap()
                  .values()
                  .removeIf(
                      e -> {
                        // Answers kept since (under the new count) are current: they stay.
                        boolean of = e.configuration().equals(configuration) && e.drops() < now;
                        if (of) {
                          dropped[0]++;
                        }
                        return of;
                      });
              LOG.info(
                  "rule {} edge cache: configuration {}: {} answer(s) dropped ({})",
                  rule.name(),
                  configuration,
                  dropped[0],
                  why);
            });
  }

  /** Forgets the signers seen from {@code member} (it left): its successor's are no change. */
  void forget(String member) {
    generations.values().forEach(g -> g.signers.remove(member));
  }

  /** The max-age of a Cache-Control value, or 0 when the answer must not be kept. */
  static long maxAge(String cacheControl) {
    if (cacheControl == null) {
      return 0;
    }
    long maxAge = 0;
    for (String directive : cacheControl.toLowerCase(Locale.ROOT).split(",")) {
      String d = directive.trim();
      if (d.equals("no-store") || d.equals("no-cache") || d.equals("private")) {
        return 0;
      }
      if (d.startsWith("max-age=")) {
        try {
          maxAge = Long.parseLong(d.substring(8).trim());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return maxAge;
  }
}
