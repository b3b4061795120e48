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

  /** How often responses are signed anew without a validity: browsers distrust old thisUpdates. */
  public static final Duration DEFAULT_CADENCE = Duration.ofDays(1);

  /**
   * The window a response signed at {@code now} from data valid {@code dataThis..dataNext} has;
   * {@code ends} is when it must be signed anew (never after its nextUpdate).
   */
  record Window(Instant thisUpdate, Instant nextUpdate, Instant ends) {}

  Window at(Instant now, Instant dataThis, Instant dataNext) {
    now = now.truncatedTo(ChronoUnit.SECONDS);
    if (validity == null && dataNext == null) {
      return new Window(now, null, null); // nothing promises a nextUpdate: never kept
    }
    // A data thisUpdate in the future (a CRL issuer's clock ahead) anchors nothing yet.
    Instant anchor =
        dataThis == null || dataThis.isAfter(now)
            ? Instant.EPOCH
            : dataThis.truncatedTo(ChronoUnit.SECONDS);
    long step = cadence().toSeconds();
    long windows = Math.floorDiv(Duration.between(anchor, now).toSeconds(), step);
    Instant thisUpdate = anchor.plusSeconds(windows * step);
    Instant next = nextUpdate(thisUpdate, dataNext);
    return new Window(thisUpdate, next, ends(thisUpdate, next));
  }

  /**
   * The window of an answer about now that no cache keeps (a nonce answer): thisUpdate is when it
   * is signed, nextUpdate as for any answer signed then.
   */
  Window signedNow(Instant now, Instant dataNext) {
    now = now.truncatedTo(ChronoUnit.SECONDS);
    return new Window(
        now, validity == null && dataNext == null ? null : nextUpdate(now, dataNext), null);
  }

  private Instant nextUpdate(Instant thisUpdate, Instant dataNext) {
    if (validity == null) {
      return dataNext.truncatedTo(ChronoUnit.SECONDS);
    }
    if (baselineRequirements) {
      return thisUpdate.plus(validity).minusSeconds(1);
    }
    Instant next = thisUpdate.plus(validity);
    return dataNext != null && dataNext.isBefore(next)
        ? dataNext.truncatedTo(ChronoUnit.SECONDS)
        : next;
  }

  /** When a response with {@code thisUpdate} and {@code nextUpdate} must be signed anew. */
  Instant ends(Instant thisUpdate, Instant nextUpdate) {
    Instant ends = thisUpdate.plus(cadence());
    return nextUpdate != null && ends.isAfter(nextUpdate) ? nextUpdate : ends;
  }

  /**
   * How often responses are signed anew: once a day without a validity; half the validity with one;
   * under the Baseline Requirements a minute before half (they say "prior to") and never more than
   * 4 days. At least a second.
   */
  Duration cadence() {
    Duration step;
    if (validity == null) {
      step = DEFAULT_CADENCE;
    } else if (!baselineRequirements) {
      step = validity.dividedBy(2);
    } else {
      Duration before = validity.dividedBy(2).minusMinutes(1);
      step = before.compareTo(BR_LATEST_UPDATE) > 0 ? BR_LATEST_UPDATE : before;
    }
    step = step.truncatedTo(ChronoUnit.SECONDS);
    return step.toSeconds() < 1 ? Duration.ofSeconds(1) : step;
  }
}
