package org.ocspcluster.responder.revocation;

import java.math.BigInteger;
import java.time.Instant;

/**
 * Answers "what is the status of this serial, as of now". Features (caching, several sources,
 * filtering) wrap a source rather than change it.
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
   * A number that changes whenever the data behind {@link #status} changes, so that responses
   * signed from older data are known to be stale.
   */
  long generation();

  /** When the data in force promises newer data, or null when there is none. */
  Instant nextUpdate();
}
