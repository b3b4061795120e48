package org.ocspcluster.balancer.proxy;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/** What the proxy asks of the balancer: where to send a client, and what happened to it. */
public interface Routing {

  /** Members to try for a new client of {@code rule}, best first; empty refuses the client. */
  List<Member> candidates(PortRule rule, InetSocketAddress client);

  /** False when the total connection limit is reached (the client is then closed). */
  /** Whether a new connection from {@code client} may be taken: limits in total and per client address. */
  boolean admit(PortRule rule, java.net.InetSocketAddress client);

  InetSocketAddress addressOf(Member member);

  /** A client connection under {@code rule} was connected to {@code member} through {@code backend}. */
  void opened(PortRule rule, Member member, Channel client, Channel backend);

  void connectFailed(Member member);

  /** A request relayed to {@code member} got no byte back within the health timeout. */
  void unanswered(Member member);

  /** {@code member} answered a relayed request. */
  void answered(Member member);

  /** How long a member may take to send the first byte of its answer. */
  java.time.Duration answerTimeout();

  void bytes(Member member, boolean toMember, long count);
}
