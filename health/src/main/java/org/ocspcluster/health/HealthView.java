package org.ocspcluster.health;

import java.util.function.BiConsumer;

/**
 * What the balancer may know of members' health: each member's state and its changes. The balancer
 * reads this and nothing else of the checker, so its selection can be tested against any health it
 * is given.
 */
public interface HealthView {
  /** The member's health now ({@code UNKNOWN}, hence usable, for a member not yet probed). */
  MemberHealth health(String member);

  /** Calls {@code listener} with (member, new health) on every change of state. */
  void onChange(BiConsumer<String, MemberHealth> listener);

  /**
   * Calls {@code listener} with what each passing probe answer says of its data (thisUpdate,
   * signer), so that a cache of answers learns when a member loads newer data or another signer.
   */
  default void onProbeAnswer(AnswerData.Listener listener) {}

  /** Why no member is healthy (the cluster is in panic), or null while one is. */
  default String panicReason() {
    return null;
  }
}
