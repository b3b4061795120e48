package org.ocspcluster.config;

import java.time.Duration;

/**
 * How a {@code mode: ocsp} rule forwards requests (its {@code ocsp:} block).
 *
 * @param tries members one request may be sent to, the first included (default 3): a request is
 *     retried on the next member in the rule's order when its member fails before answering
 * @param tryTimeout how long one try may wait for the member's answer to begin (default 1s)
 * @param retryBudget retries allowed as a percentage of requests over the last 10 seconds (default
 *     20), on top of {@code minRetriesPerSecond}: a sick cluster gets bounded extra load, not a
 *     storm
 * @param minRetriesPerSecond retries always allowed per second, so a quiet cluster still retries
 *     (default 10)
 * @param connectionsPerMember kept-alive connections to each member, per balancer thread (default
 *     32); requests beyond wait for one to come free
 * @param cache the edge cache (absent: none): nonce-less one-certificate answers the members mark
 *     cacheable, served by the balancer itself until their max-age or nextUpdate
 */
public record OcspForwarding(
    Integer tries,
    Duration tryTimeout,
    Integer retryBudget,
    Integer minRetriesPerSecond,
    Integer connectionsPerMember,
    Cache cache) {

  public OcspForwarding {
    tries = tries == null ? 3 : tries;
    tryTimeout = tryTimeout == null ? Duration.ofSeconds(1) : tryTimeout;
    retryBudget = retryBudget == null ? 20 : retryBudget;
    minRetriesPerSecond = minRetriesPerSecond == null ? 10 : minRetriesPerSecond;
    connectionsPerMember = connectionsPerMember == null ? 32 : connectionsPerMember;
  }

  public OcspForwarding(
      Integer tries,
      Duration tryTimeout,
      Integer retryBudget,
      Integer minRetriesPerSecond,
      Integer connectionsPerMember) {
    this(tries, tryTimeout, retryBudget, minRetriesPerSecond, connectionsPerMember, null);
  }

  public static OcspForwarding defaults() {
    return new OcspForwarding(null, null, null, null, null, null);
  }

  /**
   * The edge cache's bounds: at most {@code entries} answers and {@code megabytes} of them
   * (defaults 100000 and 64); past either, the least used go first.
   */
  public record Cache(Integer entries, Integer megabytes) {
    public Cache {
      entries = entries == null ? 50_000 : entries;
      megabytes = megabytes == null ? 16 : megabytes;
    }
  }
}
