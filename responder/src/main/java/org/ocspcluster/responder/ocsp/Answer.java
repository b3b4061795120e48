package org.ocspcluster.responder.ocsp;

import java.time.Instant;

/**
 * An encoded OCSPResponse and what is known about it. For a successful response, {@code thisUpdate}
 * and {@code nextUpdate} are those of its (first) SingleResponse and {@code etag} identifies its
 * bytes; {@code cacheable} is false when the request carried a nonce or the response is an error.
 * {@code configuration} is the configuration that answered, or null.
 */
public record Answer(
    byte[] encoded,
    Outcome outcome,
    boolean cacheable,
    String configuration,
    Instant thisUpdate,
    Instant nextUpdate,
    String etag,
    long version) {

  static Answer error(byte[] encoded, Outcome outcome, String configuration) {
    return new Answer(encoded, outcome, false, configuration, null, null, null, -1);
  }
}
