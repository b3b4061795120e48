package org.ocspcluster.responder.ocsp;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.bouncycastle.cert.ocsp.CertificateID;

/**
 * Pre-produced responses (RFC 5019), wrapped around the signing source: a nonce-less request for
 * one CertID is answered from here, every other request is passed to the signer. A response is
 * signed once (concurrent requests for the same CertID share that one signature), re-signed in the
 * background when its CA's data or signer changes or its window ({@link ResponseWindows}) ends, and
 * never served past its nextUpdate, past its data's nextUpdate, nor after the data it was signed
 * from changed.
 */
final class ResponseCache implements ResponseSource {
  private record Key(String configuration, CertificateID id) {}

  private final AsyncCache<Key, Answer> cache;
  private final Set<Key> refreshing = ConcurrentHashMap.newKeySet();
  private final Executor signing;
  private final Clock clock;
  private final SigningSource online;
  private final BiFunction<ServedCa, CertificateID, Answer> signer;
  private final OcspEvents events;

  ResponseCache(
      int maxEntries, Executor signing, Clock clock, SigningSource online, OcspEvents events) {
    this.cache = Caffeine.newBuilder().maximumSize(maxEntries).executor(signing).buildAsync();
    this.signing = signing;
    this.clock = clock;
    this.online = online;
    this.signer = (ca, id) -> online.sign(ca, java.util.List.of(id), null);
    this.events = events;
  }

  @Override
  public CompletableFuture<Answer> answer(OcspRequest request) {
    return request.preProducible()
        ? get(request.ca(), request.ids().get(0))
        : online.answer(request);
  }

  CompletableFuture<Answer> get(ServedCa ca, CertificateID id) {
    Key key = new Key(ca.name(), id);
    Instant now = clock.instant();
    CompletableFuture<Answer> current = cache.getIfPresent(key);
    if (current == null) {
      events.cacheMiss(ca.name());
      return cache.get(key, (k, executor) -> produce(k, ca));
    }
    if (!current.isDone()) {
      events.cacheMiss(ca.name());
      return current;
    }
    Answer answer = current.isCompletedExceptionally() ? null : current.join();
    if (answer != null && servable(answer, ca, now)) {
      events.cacheHit(ca.name());
      if (!now.isBefore(answer.resignAt())) {
        refreshInBackground(key, ca, current);
      }
      return current;
    }
    events.cacheMiss(ca.name());
    return cache
        .asMap()
        .compute(key, (k, old) -> old == null || old == current ? produce(k, ca) : old);
  }

  /**
   * Re-signs, in the background, every cached response of {@code ca} (its data or signer changed).
   */
  void resignAll(ServedCa ca) {
    long count =
        cache.asMap().keySet().stream().filter(k -> k.configuration().equals(ca.name())).count();
    if (count > 0) {
      org.slf4j.LoggerFactory.getLogger(ResponseCache.class)
          .info(
              "revocation configuration \"{}\": re-signing {} pre-produced response(s) in the background",
              ca.name(),
              count);
    }
    cache
        .asMap()
        .forEach(
            (key, future) -> {
              if (key.configuration().equals(ca.name())) {
                refreshInBackground(key, ca, future);
              }
            });
  }

  long size() {
    return cache.synchronous().estimatedSize();
  }

  /** Background re-signs queued or running: how far pre-production has still to go. */
  int resignsPending() {
    return refreshing.size();
  }

  private CompletableFuture<Answer> produce(Key key, ServedCa ca) {
    CompletableFuture<Answer> future =
        CompletableFuture.supplyAsync(() -> signer.apply(ca, key.id()), signing);
    // Errors (tryLater and the like) are answered once, never kept.
    future.thenAccept(
        a -> {
          if (!a.cacheable()) {
            cache.asMap().remove(key, future);
          }
        });
    return future;
  }

  private void refreshInBackground(Key key, ServedCa ca, CompletableFuture<Answer> current) {
    if (!refreshing.add(key)) {
      return;
    }
    CompletableFuture.supplyAsync(() -> signer.apply(ca, key.id()), signing)
        .whenComplete(
            (fresh, error) -> {
              refreshing.remove(key);
              if (fresh != null && fresh.cacheable()) {
                cache.asMap().replace(key, current, CompletableFuture.completedFuture(fresh));
              }
            });
  }

  /**
   * Kept answers are served while their data is in force and fresh, until their nextUpdate, and at
   * most {@link #RESIGN_GRACE} past the end of their window: the first request after it has the
   * answer signed anew in the background, so windows that end together on every member cause no
   * wave of waiting requests.
   */
  private static boolean servable(Answer a, ServedCa ca, Instant now) {
    Instant dataNext = ca.source().nextUpdate();
    return a.cacheable()
        && a.version() == ca.version()
        && now.isBefore(a.nextUpdate())
        && (dataNext == null || now.isBefore(dataNext))
        && now.isBefore(a.resignAt().plus(RESIGN_GRACE));
  }

  /** How long past its window an answer may still be served while its successor is signed. */
  static final java.time.Duration RESIGN_GRACE = java.time.Duration.ofSeconds(30);
}
