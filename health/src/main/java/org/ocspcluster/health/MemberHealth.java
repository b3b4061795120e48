package org.ocspcluster.health;

import java.time.Instant;

/** A member's health as the probes last saw it, and why. */
public record MemberHealth(State state, String reason, Instant since) {

  /** {@code UNKNOWN} until the first probe finishes; such a member still gets traffic. */
  public enum State { UNKNOWN, UP, DOWN }

  public boolean usable() {
    return state != State.DOWN;
  }
}
