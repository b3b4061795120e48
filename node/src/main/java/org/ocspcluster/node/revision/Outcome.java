package org.ocspcluster.node.revision;

/**
 * What became of a revision: applied as number {@code revision}, or refused with the reason while
 * {@code revision} (the one in force) stays.
 */
public record Outcome(
    boolean applied, int revision, Refusal refusal, String reason, String source) {

  /** Why a revision was refused; the admin listener maps each to an HTTP status. */
  public enum Refusal {
    /** The file does not validate, or a part cannot load what it names. */
    INVALID,
    /** It changes what a running process cannot change live. */
    NEEDS_RESTART,
    /** This process may not store revisions now (a standby controller) or keeps none. */
    NOT_HERE,
    /** The store failed; nothing changed on any part. */
    NOT_STORED
  }

  static Outcome applied(int revision, String source) {
    return new Outcome(true, revision, null, null, source);
  }

  static Outcome refused(Refusal refusal, String reason, int inForce, String source) {
    return new Outcome(false, inForce, refusal, reason, source);
  }
}
