package org.ocspcluster.health;

/**
 * What the balancer reports of real traffic, so that a member failing its clients is taken out
 * without waiting for the next probe: connects that failed, requests left unanswered, failing
 * answers.
 */
public interface PassiveHealth {
  /** The balancer connected to the member. */
  void connected(String member);

  /** The balancer could not connect to the member (refused or timed out). */
  void connectFailed(String member);

  /** A request relayed to the member got no byte back within the health timeout. */
  void unanswered(String member);

  /** The member answered a relayed request. */
  void answered(String member);

  /**
   * The member answered a forwarded OCSP request with a failure another member may not have (an
   * HTTP 5xx, tryLater, internalError, or a close before the answer): {@code reason} says which.
   */
  void failedAnswer(String member, String reason);
}
