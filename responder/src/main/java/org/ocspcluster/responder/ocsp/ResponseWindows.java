package org.ocspcluster.responder.ocsp;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The thisUpdate and nextUpdate a signed response carries, decided by the revocation data and the
 * clock alone, so that every member answering from the same data says the same thing, and HTTP
 * caches that reach several members keep their validators (the entity tag is over what a response
 * says, see {@link Responses#etag}).
 *
 * <p>Without a response validity, a response holds for the data's whole window: thisUpdate is the
 * data's (a CRL's thisUpdate: when the status was known to be correct), nextUpdate the data's, and
 * it is re-signed only when the data or the signer changes. With one, time is cut into windows of
 * the re-signing cadence starting at the data's thisUpdate; a response's thisUpdate is the start of
 * the window it was signed in, its nextUpdate that plus the validity (never past the data's, except
 * under the Baseline Requirements profile, see {@link #baselineRequirements}), and it is served
 * only within its window.
 *
 * @param validity how long a response is valid, or null: until the data's nextUpdate
 * @param baselineRequirements the CA/Browser Forum Baseline Requirements profile (section 4.9.10):
 *     validity counted inclusively (nextUpdate = thisUpdate + validity - 1 s), re-signed before
 *     half the validity has passed and at most 4 days after thisUpdate, and the validity kept whole
 *     rather than cut at the data's nextUpdate (stale data still gives tryLater)
 */
public record ResponseWindows(Duration validity, boolean baselineRequirements) {
  /** Responses valid for the data's window. */
  public static final ResponseWindows UNTIL_NEXT_UPDATE = new ResponseWindows(null, false);

  /** The Baseline Requirements' bounds on a response's validity interval. */
  public static final Duration BR_MIN = Duration.ofHours(8);

  public static final Duration BR_MAX = Duration.ofDays(10);

  private static final Duration BR_LATEST_UPDATE = Duration.ofDays(4);

  /** The window a response signed at {@code now} from data valid {@code dataThis..dataNext} has. */
  record Window(Instant thisUpdate, Instant nextUpdate, Instant ends) {}

  Window at(Instant now, Instant dataThis, Instant dataNext) {
    now = now.truncatedTo(ChronoUnit.SECONDS);
    Instant anchor =
        dataThis == null || dataThis.isAfter(now) ? null : dataThis.truncatedTo(ChronoUnit.SECONDS);
    if (validity == null) {
      Instant next = dataNext == null ? null : dataNext.truncatedTo(ChronoUnit.SECONDS);
      return new Window(anchor == null ? now : anchor, next, next);
    }
    long step = cadence().toSeconds();
    Instant start = anchor == null ? Instant.EPOCH : anchor;
    long windows = Math.floorDiv(Duration.between(start, now).toSeconds(), step);
    Instant thisUpdate = start.plusSeconds(windows * step);
    Instant next = thisUpdate.plus(validity);
    if (baselineRequirements) {
      next = next.minusSeconds(1);
    } else if (dataNext != null && dataNext.isBefore(next)) {
      next = dataNext.truncatedTo(ChronoUnit.SECONDS);
    }
    Instant ends = thisUpdate.plusSeconds(step);
    return new Window(thisUpdate, next, ends.isAfter(next) ? next : ends);
  }

  /** When a response with {@code thisUpdate} and {@code nextUpdate} must be signed anew. */
  Instant ends(Instant thisUpdate, Instant nextUpdate) {
    if (validity == null) {
      return nextUpdate;
    }
    Instant ends = thisUpdate.plus(cadence());
    return ends.isAfter(nextUpdate) ? nextUpdate : ends;
  }

  /**
   * How often responses are signed anew: half the validity; under the Baseline Requirements a
   * minute before half (they say "prior to") and never more than 4 days.
   */
  Duration cadence() {
    Duration half = validity.dividedBy(2);
    if (!baselineRequirements) {
      return half.toSeconds() < 1 ? Duration.ofSeconds(1) : half.truncatedTo(ChronoUnit.SECONDS);
    }
    Duration before = half.minusMinutes(1).truncatedTo(ChronoUnit.SECONDS);
    return before.compareTo(BR_LATEST_UPDATE) > 0 ? BR_LATEST_UPDATE : before;
  }
}
