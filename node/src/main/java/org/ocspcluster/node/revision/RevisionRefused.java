package org.ocspcluster.node.revision;

/** A part, or the store, cannot take a revision; the revision in force stays. */
public final class RevisionRefused extends Exception {
  private static final long serialVersionUID = 1L;

  private final Outcome.Refusal kind;
  private final transient java.util.List<String> problems;

  public RevisionRefused(Outcome.Refusal kind, String reason) {
    this(kind, reason, java.util.List.of());
  }

  /** Refused for the file's fields in {@code problems}, one "field: reason" each. */
  public RevisionRefused(Outcome.Refusal kind, String reason, java.util.List<String> problems) {
    super(reason);
    this.kind = kind;
    this.problems = java.util.List.copyOf(problems);
  }

  public java.util.List<String> problems() {
    return problems;
  }

  public Outcome.Refusal kind() {
    return kind;
  }
}
