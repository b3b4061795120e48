package org.ocspcluster.responder.revocation;

import java.math.BigInteger;
import java.time.Instant;

/**
 * Answers "what is the status of this serial, as of now" for one CA, from its revocation data (a
 * CRL, an OpenSSL index). The features of the response path (issuer filter, pre-produced cache,
 * signing, unknown-issuer policy) are response sources around it, composed in {@code OcspService}.
 */
public interface RevocationSource {

  /**
   * The status of {@code serial} at {@code now}.
   *
   * @throws RevocationDataUnavailable when there is no data, or the data is past its nextUpdate:
   *     the responder must then say {@code tryLater}, never {@code good}
   */
  StatusAnswer status(BigInteger serial, Instant now) throws RevocationDataUnavailable;

  /**
   * Reads the data again from its origin. Returns false, keeping the data in force, when the new
   * data is refused (unreadable, unverifiable, older); says why in the log.
   */
  boolean refresh();

  /**
   * A number that changes whenever the data behind {@link #status} changes, so that responses
   * signed from older data are known to be stale.
   */
  long generation();

  /** When the data in force promises newer data, or null when there is none. */
  Instant nextUpdate();

  /**
   * True when never-issued serials are answered revoked (RFC 6960 section 2.2): responses then
   * carry the extended-revoke extension (section 4.4.8).
   */
  default boolean extendedRevokedDefinition() {
    return false;
  }

  /** How far a load under way is, 0..1; 1 when none is running. */
  default double loadProgress() {
    return 1.0;
  }

  /** How many revoked certificates the data in force lists. */
  default long revokedCount() {
    return 0;
  }
}
