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
}
