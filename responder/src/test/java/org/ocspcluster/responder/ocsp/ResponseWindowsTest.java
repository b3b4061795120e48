package org.ocspcluster.responder.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ResponseWindowsTest {
  static final Instant CRL_THIS = Instant.parse("2026-11-01T00:00:00Z");
  static final Instant CRL_NEXT = Instant.parse("2026-12-01T00:00:00Z");

  @Test
  void withoutAValidityAResponseLastsUntilTheDataNextUpdateAndIsReSignedDaily() {
    ResponseWindows windows = ResponseWindows.UNTIL_NEXT_UPDATE;
    var morning = windows.at(Instant.parse("2026-11-20T00:00:01Z"), CRL_THIS, CRL_NEXT);
    var evening = windows.at(Instant.parse("2026-11-20T23:59:59Z"), CRL_THIS, CRL_NEXT);
    assertEquals(morning, evening, "two members signing the same day say the same");
    assertEquals(Instant.parse("2026-11-20T00:00:00Z"), morning.thisUpdate());
    assertEquals(CRL_NEXT, morning.nextUpdate());
    assertEquals(
        Instant.parse("2026-11-21T00:00:00Z"),
        morning.ends(),
        "a thisUpdate is never more than a day old (browsers distrust a week-old one)");
    var lastDay = windows.at(Instant.parse("2026-11-30T12:00:00Z"), CRL_THIS, CRL_NEXT);
    assertEquals(CRL_NEXT, lastDay.ends(), "never past the nextUpdate");
  }

  @Test
  void withoutANextUpdateAResponseSaysWhenItWasSignedAndIsNeverKept() {
    var w =
        ResponseWindows.UNTIL_NEXT_UPDATE.at(Instant.parse("2026-11-20T10:11:12Z"), CRL_THIS, null);
    assertEquals(Instant.parse("2026-11-20T10:11:12Z"), w.thisUpdate());
    assertEquals(null, w.nextUpdate());
  }

  @Test
  void dataFromTheFutureAnchorsNothingYetButStillGivesOneAnswerPerWindow() {
    Instant now = Instant.parse("2026-10-31T22:00:00Z");
    var a = ResponseWindows.UNTIL_NEXT_UPDATE.at(now, CRL_THIS, CRL_NEXT);
    var b = ResponseWindows.UNTIL_NEXT_UPDATE.at(now.plusSeconds(60), CRL_THIS, CRL_NEXT);
    assertEquals(a, b);
    assertTrue(!a.thisUpdate().isAfter(now), "no thisUpdate in the future");
  }

  @Test
  void aValidityCutsTimeIntoWindowsOfHalfOfItFromTheDataThisUpdate() {
    ResponseWindows windows = new ResponseWindows(Duration.ofHours(4), false);
    var a = windows.at(Instant.parse("2026-11-02T10:00:01Z"), CRL_THIS, CRL_NEXT);
    var b = windows.at(Instant.parse("2026-11-02T11:59:59Z"), CRL_THIS, CRL_NEXT);
    assertEquals(a, b, "two members signing in the same window say the same");
    assertEquals(Instant.parse("2026-11-02T10:00:00Z"), a.thisUpdate());
    assertEquals(Instant.parse("2026-11-02T14:00:00Z"), a.nextUpdate());
    assertEquals(Instant.parse("2026-11-02T12:00:00Z"), a.ends());
    var c = windows.at(Instant.parse("2026-11-02T12:00:00Z"), CRL_THIS, CRL_NEXT);
    assertEquals(Instant.parse("2026-11-02T12:00:00Z"), c.thisUpdate());
  }

  @Test
  void aValidityNeverReachesPastTheDataNextUpdate() {
    ResponseWindows windows = new ResponseWindows(Duration.ofDays(2), false);
    var w = windows.at(Instant.parse("2026-11-30T12:00:00Z"), CRL_THIS, CRL_NEXT);
    assertEquals(CRL_NEXT, w.nextUpdate());
  }

  @Test
  void baselineRequirementsCountTheValidityInclusivelyAndReSignBeforeHalfAndWithinFourDays() {
    ResponseWindows week = new ResponseWindows(Duration.ofDays(7), true);
    var w = week.at(Instant.parse("2026-11-29T12:00:00Z"), CRL_THIS, CRL_NEXT);
    assertEquals(
        Duration.ofDays(7), Duration.between(w.thisUpdate(), w.nextUpdate()).plusSeconds(1));
    Duration cadence = Duration.between(w.thisUpdate(), w.ends());
    assertTrue(cadence.compareTo(Duration.ofDays(4)) <= 0, cadence.toString());
    assertTrue(
        Duration.between(w.ends(), w.nextUpdate()).compareTo(Duration.ofHours(8)) >= 0,
        "re-signed at least 8 hours before nextUpdate");
    ResponseWindows tenDays = new ResponseWindows(Duration.ofDays(10), true);
    assertEquals(Duration.ofDays(4), tenDays.cadence(), "no later than 4 days after thisUpdate");
    ResponseWindows short8h = new ResponseWindows(Duration.ofHours(8), true);
    var s = short8h.at(Instant.parse("2026-11-29T12:00:00Z"), CRL_THIS, CRL_NEXT);
    assertTrue(
        Duration.between(s.ends(), s.nextUpdate()).compareTo(Duration.ofHours(4)) > 0,
        "under 16 hours: re-signed before half the validity is left");
  }

  @Test
  void baselineRequirementsKeepTheValidityWholeAtTheDataNextUpdate() {
    ResponseWindows week = new ResponseWindows(Duration.ofDays(7), true);
    var w = week.at(Instant.parse("2026-11-29T12:00:00Z"), CRL_THIS, CRL_NEXT);
    assertTrue(w.nextUpdate().isAfter(CRL_NEXT));
  }
}
