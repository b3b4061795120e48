package org.ocspcluster.balancer.forwarding;

import io.netty.channel.Channel;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/** What OCSP forwarding tells of its work: for limits, passive health and metrics. */
public interface ForwardingEvents {

  /** A client connection was taken: counted until it closes. */
  void clientOpened(PortRule rule, Channel client);

  /** A new connection to {@code member} was made: a streak of refused connects ends. */
  void connected(Member member);

  /** A connect to {@code member} was refused or timed out. */
  void connectFailed(Member member);

  /** A request sent to {@code member} got no answer within the try's timeout. */
  void unanswered(Member member);

  /** {@code member} answered well. */
  void answered(Member member);

  /** {@code member} answered, but with a failure worth another member ({@code reason}). */
  void failedAnswer(Member member, String reason);

  /** One try of a request ended: {@code result} is {@code answered} or why it failed. */
  void tried(PortRule rule, Member member, String result);

  /** A retry was sent ({@code sent}) or refused by the retry budget. */
  void retry(PortRule rule, boolean sent);

  /**
   * A request was answered to its client: by {@code member} ({@code null}: by the balancer itself)
   * with {@code result} ({@code answered}, {@code last_answer}, {@code unavailable}).
   */
  void request(PortRule rule, Member member, String result);

  /**
   * The edge cache took a request: {@code hit}, {@code not_modified} (a hit answered 304), {@code
   * miss}, {@code shared_miss} (waited for another client's miss), {@code bypass} (not cacheable).
   */
  void cache(PortRule rule, String result);

  /** The edge cache let an answer go: {@code size}, {@code expired}, {@code dropped}. */
  void cacheRemoved(PortRule rule, String cause);
}
