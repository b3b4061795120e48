package org.ocspcluster.config;

/**
 * How every member answers what no revocation configuration covers, and how many pre-produced
 * responses it keeps.
 *
 * @param unknownIssuer {@code unauthorized} (RFC 5019, the default) or {@code unknown}
 * @param cacheEntries pre-produced responses kept per member (default 100000)
 * @param acceptProxyProtocol members expect a PROXY protocol (v1 or v2) header first on every
 *     connection, as the balancer sends with {@code balancer.proxyProtocol}
 * @param maxConnections connections a member keeps open at once; past it a new one is answered 503
 *     and closed (default 10000)
 * @param maxConnectionsPerClient the same, per client address (default 0: no per-client limit,
 *     since behind the balancer every connection comes from the balancer's address)
 * @param requestTimeout how long a request may take to arrive whole once its first byte came: a
 *     client that trickles (slowloris) is cut off (default 10s)
 * @param tls optional: members answer HTTPS only, with this credential (the balancer relays TLS
 *     untouched and probes over HTTPS)
 */
public record ResponderSettings(
    UnknownIssuer unknownIssuer,
    Integer cacheEntries,
    Boolean acceptProxyProtocol,
    Integer maxConnections,
    Integer maxConnectionsPerClient,
    java.time.Duration requestTimeout,
    TlsFiles tls) {
  public static final int DEFAULT_CACHE_ENTRIES = 100_000;
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  public static final java.time.Duration DEFAULT_REQUEST_TIMEOUT = java.time.Duration.ofSeconds(10);

  public ResponderSettings {
    unknownIssuer = unknownIssuer == null ? UnknownIssuer.UNAUTHORIZED : unknownIssuer;
    cacheEntries = cacheEntries == null ? DEFAULT_CACHE_ENTRIES : cacheEntries;
    acceptProxyProtocol = acceptProxyProtocol != null && acceptProxyProtocol;
    maxConnections = maxConnections == null ? DEFAULT_MAX_CONNECTIONS : maxConnections;
    maxConnectionsPerClient = maxConnectionsPerClient == null ? 0 : maxConnectionsPerClient;
    requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
  }

  public ResponderSettings(
      UnknownIssuer unknownIssuer, Integer cacheEntries, Boolean acceptProxyProtocol) {
    this(unknownIssuer, cacheEntries, acceptProxyProtocol, null, null, null, null);
  }

  ResponderSettings resolvedAgainst(java.nio.file.Path folder) {
    return tls == null
        ? this
        : new ResponderSettings(
            unknownIssuer,
            cacheEntries,
            acceptProxyProtocol,
            maxConnections,
            maxConnectionsPerClient,
            requestTimeout,
            tls.resolvedAgainst(folder));
  }

  /** The scheme members answer on: https with {@link #tls}, else http. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public String scheme() {
    return tls == null ? "http" : "https";
  }

  /** The answer to a CertID whose issuer no configuration serves. */
  public enum UnknownIssuer {
    UNAUTHORIZED("unauthorized"),
    UNKNOWN("unknown");

    private final String word;

    UnknownIssuer(String word) {
      this.word = word;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static UnknownIssuer parse(String text) {
      return Words.parse(UnknownIssuer.class, values(), text, u -> u.word);
    }

    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
      return word;
    }
  }
}
