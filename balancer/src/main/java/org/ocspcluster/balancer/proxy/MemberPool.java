package org.ocspcluster.balancer.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import org.ocspcluster.config.Member;

/** Where members are reached, which are usable now, and what to tell when a connection opens or closes. */
public interface MemberPool {

  /** Members that may take new connections now (health permitting). */
  List<Member> usable();

  InetSocketAddress addressOf(Member member);

  void opened(String rule, Member member);

  void closed(Member member);
}
