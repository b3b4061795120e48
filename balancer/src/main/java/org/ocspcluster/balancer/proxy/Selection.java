package org.ocspcluster.balancer.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/** What the proxy asks before it forwards a client: whether to take it, and where to send it. */
public interface Selection {

  /** Members to try for a new client of {@code rule}, best first; empty refuses the client. */
  List<Member> candidates(PortRule rule, InetSocketAddress client);

  /** As {@link #candidates(PortRule, InetSocketAddress)}, at most {@code count} of them. */
  List<Member> candidates(PortRule rule, InetSocketAddress client, int count);

  /**
   * Whether a new connection from {@code client} may be taken: limits in total and per client
   * address.
   */
  boolean admit(PortRule rule, InetSocketAddress client);

  /**
   * Where {@code member} takes {@code rule}'s connection that reached the balancer's {@code
   * clientPort}: its resolved address (resolved once, so no event loop waits on DNS), at the port
   * the rule's {@code memberPort} says.
   */
  InetSocketAddress addressOf(Member member, PortRule rule, int clientPort);
}
