package org.ocspcluster.health;

/**
 * A member's rise/fall counting as a pure value: the passed and failed probe rounds in a row. Each
 * verdict gives the next value and whether the member's state changes now; nothing here keeps time,
 * logs or schedules, so every rule of HAProxy-style rise/fall is a plain test.
 *
 * <p>A member not yet judged ({@code UNKNOWN}) takes its first verdict at once; an up member goes
 * down after {@code fall} failed rounds in a row; a down member comes back after {@code rise}
 * passed rounds in a row; any verdict resets the other streak.
 */
public record RiseFall(int passedInARow, int failedInARow) {
  public static final RiseFall START = new RiseFall(0, 0);

  /**
   * The outcome of one verdict.
   *
   * @param next the counting from now on
   * @param changes true when the member now takes the verdict's state (up after passes, down after
   *     failures)
   * @param between true while the member is between states (the probes then run at the fast
   *     interval)
   */
  public record Step(RiseFall next, boolean changes, boolean between) {}

  /** A round whose probes all passed, for a member now in state {@code now}. */
  public Step passed(MemberHealth.State now, int rise) {
    RiseFall next = new RiseFall(passedInARow + 1, 0);
    boolean comesUp = now != MemberHealth.State.DOWN || next.passedInARow >= rise;
    return new Step(next, comesUp, !comesUp);
  }

  /** A round with a failed probe, for a member now in state {@code now}. */
  public Step failed(MemberHealth.State now, int fall) {
    RiseFall next = new RiseFall(0, failedInARow + 1);
    boolean goesDown =
        now == MemberHealth.State.UNKNOWN
            || now == MemberHealth.State.DOWN
            || next.failedInARow >= fall;
    return new Step(next, goesDown, !goesDown);
  }

  /**
   * Taken out by passive checks: counts as {@code fall} failed rounds, so {@code rise} passes bring
   * it back.
   */
  public static RiseFall takenOut(int fall) {
    return new RiseFall(0, fall);
  }
}
