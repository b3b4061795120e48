package org.ocspcluster.node.revision;

/** A part, or the store, cannot take a revision; the revision in force stays. */
public final class RevisionRefused extends Exception {
  private static final long serialVersionUID = 1L;

  private final Outcome.Refusal kind;

  public RevisionRefused(Outcome.Refusal kind, String reason) {
    super(reason);
    this.kind = kind;
  }

  public Outcome.Refusal kind() {
    return kind;
  }
}
