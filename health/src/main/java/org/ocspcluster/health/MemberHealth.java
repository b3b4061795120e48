package org.ocspcluster.health;

import java.time.Instant;

/** A member's health as the probes and the balancer's connects last saw it, and why. */
public record MemberHealth(State state, String reason, Instant since) {

  /**
   * {@code UNKNOWN} until the first probe finishes (such a member still gets traffic); {@code
   * WARNING} serves but needs attention (a signer close to expiry).
   */
  public enum State {
    UNKNOWN,
    UP,
    WARNING,
    DOWN
  }

  public boolean usable() {
    return state != State.DOWN;
  }
}
