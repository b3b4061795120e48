package org.ocspcluster.responder.ocsp;

import java.time.Instant;

/**
 * An encoded OCSPResponse and what is known about it. For a successful response, {@code thisUpdate}
 * and {@code nextUpdate} are those of its (first) SingleResponse and {@code etag} identifies its
 * bytes; {@code cacheable} is false when the request carried a nonce or the response is an error.
 * {@code configuration} is the configuration that answered, or null. {@code dataThisUpdate} is the
 * thisUpdate of the revocation data the answer was read from (a CRL's), or null: members tell it in
 * a header, so that a cache in front of them sees when any member has newer data. {@code resignAt}
 * is when a cacheable answer is signed anew (its window ends), so HTTP caches keep it no longer.
 */
public record Answer(
    byte[] encoded,
    Outcome outcome,
    boolean cacheable,
    String configuration,
    Instant thisUpdate,
    Instant nextUpdate,
    String etag,
    long version,
    Instant dataThisUpdate,
    Instant resignAt) {

  /** The header that carries {@link #dataThisUpdate}, in seconds since the epoch. */
  public static final String DATA_HEADER = "Revocation-Data-This-Update";

  static Answer error(byte[] encoded, Outcome outcome, String configuration) {
    return new Answer(encoded, outcome, false, configuration, null, null, null, -1, null, null);
  }
}
