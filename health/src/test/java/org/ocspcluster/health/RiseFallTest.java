package org.ocspcluster.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ocspcluster.health.MemberHealth.State;

/** rise/fall, alone: how many rounds in a row move a member between states. */
class RiseFallTest {
  private static final int RISE = 2;
  private static final int FALL = 3;

  @Test
  void aMemberNotYetJudgedTakesItsFirstVerdictAtOnce() {
    assertTrue(RiseFall.START.passed(State.UNKNOWN, RISE).changes());
    assertTrue(RiseFall.START.failed(State.UNKNOWN, FALL).changes());
  }

  @Test
  void anUpMemberGoesDownOnlyAfterFallFailedRoundsInARow() {
    RiseFall counting = RiseFall.START;
    for (int round = 1; round < FALL; round++) {
      RiseFall.Step step = counting.failed(State.UP, FALL);
      assertFalse(step.changes(), "round " + round);
      assertTrue(step.between(), "probed at the fast interval while between states");
      counting = step.next();
    }
    RiseFall.Step last = counting.failed(State.UP, FALL);
    assertTrue(last.changes());
    assertFalse(last.between());
  }

  @Test
  void aDownMemberComesBackOnlyAfterRisePassedRoundsInARow() {
    RiseFall.Step first = RiseFall.takenOut(FALL).passed(State.DOWN, RISE);
    assertFalse(first.changes());
    assertTrue(first.between());
    assertTrue(first.next().passed(State.DOWN, RISE).changes());
  }

  @Test
  void aPassResetsTheFailedStreakAndAFailureThePassedStreak() {
    RiseFall twoFailures =
        RiseFall.START.failed(State.UP, FALL).next().failed(State.UP, FALL).next();
    RiseFall afterPass = twoFailures.passed(State.UP, RISE).next();
    assertEquals(new RiseFall(1, 0), afterPass);
    assertFalse(afterPass.failed(State.UP, FALL).changes(), "the count starts again");

    RiseFall onePass = RiseFall.takenOut(FALL).passed(State.DOWN, RISE).next();
    RiseFall afterFailure = onePass.failed(State.DOWN, FALL).next();
    assertFalse(
        afterFailure.passed(State.DOWN, RISE).changes(),
        "a down member needs rise passes in a row again");
  }

  @Test
  void anUpMemberStaysUpOnPassesAndADownMemberStaysDownOnFailures() {
    RiseFall.Step up = RiseFall.START.passed(State.UP, RISE);
    assertTrue(
        up.changes() && !up.between(), "up again (its reason may change), not between states");
    RiseFall.Step down = RiseFall.takenOut(FALL).failed(State.DOWN, FALL);
    assertTrue(down.changes() && !down.between());
  }
}
