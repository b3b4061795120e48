package org.ocspcluster.node.revision;

/**
 * What became of a revision: applied as number {@code revision}, or refused with the reason while
 * {@code revision} (the one in force) stays. {@code problems} lists the file's fields that were
 * refused, one "field: reason" each, when that is why; else it is empty.
 */
public record Outcome(
    boolean applied,
    int revision,
    Refusal refusal,
    String reason,
    java.util.List<String> problems,
    String source) {

  public Outcome {
    problems = problems == null ? java.util.List.of() : java.util.List.copyOf(problems);
  }

  /** Why a revision was refused; the admin listener maps each to an HTTP status. */
  public enum Refusal {
    /** The file does not validate, or a part cannot load what it names. */
    INVALID,
    /** It changes what a running process cannot change live. */
    NEEDS_RESTART,
    /** This process may not store revisions now (a standby controller) or keeps none. */
    NOT_HERE,
    /** The store failed; nothing changed on any part. */
    NOT_STORED,
    /**
     * A participant of the array (a member, a balancer) could not take it or did not answer; it was
     * aborted on every participant.
     */
    NOT_PREPARED
  }

  static Outcome applied(int revision, String source) {
    return new Outcome(true, revision, null, null, null, source);
  }

  /** Refused for {@code reason} (and {@code problems}, if any) while {@code inForce} stays. */
  public static Outcome refused(
      Refusal refusal, String reason, java.util.List<String> problems, int inForce, String source) {
    return new Outcome(false, inForce, refusal, reason, problems, source);
  }
}
