package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A member (NLB host): its name, its dedicated address (where the balancer forwards and probes, and
 * where the responder listens), its unique host priority (1 is highest), its default load weight
 * (0..100; absent means equal), the state it starts in, whether a "suspended" set by an operator
 * survives a restart of the balancer, and, per revocation configuration, a signing credential of
 * its own (else the configuration's).
 */
public record Member(
    String name,
    HostPort address,
    Integer priority,
    Integer weight,
    HostState initialState,
    Boolean retainSuspended,
    java.util.Map<String, SignerFiles> signers) {

  public Member {
    initialState = initialState == null ? HostState.STARTED : initialState;
    retainSuspended = retainSuspended == null || retainSuspended;
    signers = signers == null ? java.util.Map.of() : java.util.Map.copyOf(signers);
  }

  public Member(String name, HostPort address, Integer priority, Integer weight) {
    this(name, address, priority, weight, null, null, null);
  }

  Member resolvedAgainst(java.nio.file.Path folder) {
    java.util.Map<String, SignerFiles> resolved = new java.util.LinkedHashMap<>();
    signers.forEach(
        (configuration, files) ->
            resolved.put(configuration, files == null ? null : files.resolvedAgainst(folder)));
    return new Member(name, address, priority, weight, initialState, retainSuspended, resolved);
  }

  /** The NLB host states an operator sets (health is separate: a started member can be down). */
  public enum HostState {
    STARTED("started"),
    STOPPED("stopped"),
    DRAINING("draining"),
    SUSPENDED("suspended");

    private final String word;

    HostState(String word) {
      this.word = word;
    }

    @JsonCreator
    public static HostState parse(String text) {
      return Words.parse(HostState.class, values(), text, s -> s.word);
    }

    @JsonValue
    @Override
    public String toString() {
      return word;
    }
  }
}
