package org.ocspcluster.config;

/**
 * How every member answers what no revocation configuration covers, and how many pre-produced
 * responses it keeps.
 *
 * @param unknownIssuer {@code unauthorized} (RFC 5019, the default) or {@code unknown}
 * @param cacheEntries pre-produced responses kept per member (default 100000)
 * @param acceptProxyProtocol members expect a PROXY protocol (v1 or v2) header first on every
 *     connection, as the balancer sends with {@code balancer.proxyProtocol}
 */
public record ResponderSettings(UnknownIssuer unknownIssuer, Integer cacheEntries, Boolean acceptProxyProtocol) {
  public static final int DEFAULT_CACHE_ENTRIES = 100_000;

  public ResponderSettings {
    unknownIssuer = unknownIssuer == null ? UnknownIssuer.UNAUTHORIZED : unknownIssuer;
    cacheEntries = cacheEntries == null ? DEFAULT_CACHE_ENTRIES : cacheEntries;
    acceptProxyProtocol = acceptProxyProtocol != null && acceptProxyProtocol;
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
