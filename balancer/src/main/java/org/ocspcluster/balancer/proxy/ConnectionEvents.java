package org.ocspcluster.balancer.proxy;

import io.netty.channel.Channel;
import java.time.Duration;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/**
 * What the proxy tells of the connections it relays: for counting, limits, metrics and passive
 * health.
 */
public interface ConnectionEvents {

  /**
   * A client connection under {@code rule} was connected to {@code member} through {@code backend}.
   */
  void opened(PortRule rule, Member member, Channel client, Channel backend);

  /** A connect to {@code member} was refused or timed out. */
  void connectFailed(Member member);

  /** A request relayed to {@code member} got no byte back within {@link #answerTimeout()}. */
  void unanswered(Member member);

  /** {@code member} answered a relayed request. */
  void answered(Member member);

  /** How long a member may take to send the first byte of its answer. */
  Duration answerTimeout();

  void bytes(Member member, boolean toMember, long count);
}
