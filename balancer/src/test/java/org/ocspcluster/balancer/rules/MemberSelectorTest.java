package org.ocspcluster.balancer.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRange;
import org.ocspcluster.config.PortRule;

class MemberSelectorTest {
  static final Member A = new Member("a", HostPort.parse("127.0.0.1:1001"), 2, null);
  static final Member B = new Member("b", HostPort.parse("127.0.0.1:1002"), 1, null);
  static final Member ZERO = new Member("zero", HostPort.parse("127.0.0.1:1003"), 3, 0);

  static PortRule rule(FilteringMode mode) {
    return new PortRule("r", null, PortRange.of(8080), null, mode, null);
  }

  @Test
  void multipleHostRotatesOverEveryMemberAndOffersTheOthersAsFallback() {
    Set<String> firsts = new HashSet<>();
    for (long n = 0; n < 4; n++) {
      List<Member> order = MemberSelector.candidates(rule(FilteringMode.MULTIPLE_HOST), n, List.of(A, B));
      assertEquals(2, order.size());
      firsts.add(order.get(0).name());
    }
    assertEquals(Set.of("a", "b"), firsts);
  }

  @Test
  void zeroWeightMemberGetsNoConnections() {
    for (long n = 0; n < 6; n++) {
      assertTrue(MemberSelector.candidates(rule(FilteringMode.MULTIPLE_HOST), n, List.of(A, ZERO, B))
          .stream().noneMatch(m -> m == ZERO));
    }
  }

  @Test
  void singleHostGoesToTheBestPriorityThenTheNext() {
    assertEquals(List.of(B, A), MemberSelector.candidates(rule(FilteringMode.SINGLE_HOST), 7, List.of(A, B)));
    assertEquals(List.of(A), MemberSelector.candidates(rule(FilteringMode.SINGLE_HOST), 7, List.of(A)));
  }

  @Test
  void disabledRuleHasNoCandidates() {
    assertEquals(List.of(), MemberSelector.candidates(rule(FilteringMode.DISABLED), 0, List.of(A, B)));
  }

  @Test
  void affinityKeysAreStableAndSingleAffinityIgnoresThePort() {
    var one = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40000);
    var two = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40001);
    assertEquals(AffinityKey.of(org.ocspcluster.config.Affinity.SINGLE, one),
        AffinityKey.of(org.ocspcluster.config.Affinity.SINGLE, two));
    assertTrue(AffinityKey.of(org.ocspcluster.config.Affinity.NONE, one)
        != AffinityKey.of(org.ocspcluster.config.Affinity.NONE, two));
  }

  @Test
  void networkAffinityKeepsA24Together() throws Exception {
    var a = new java.net.InetSocketAddress(java.net.InetAddress.getByName("192.0.2.10"), 1);
    var b = new java.net.InetSocketAddress(java.net.InetAddress.getByName("192.0.2.200"), 2);
    var c = new java.net.InetSocketAddress(java.net.InetAddress.getByName("192.0.3.10"), 1);
    assertEquals(AffinityKey.of(org.ocspcluster.config.Affinity.NETWORK, a),
        AffinityKey.of(org.ocspcluster.config.Affinity.NETWORK, b));
    assertTrue(AffinityKey.of(org.ocspcluster.config.Affinity.NETWORK, a)
        != AffinityKey.of(org.ocspcluster.config.Affinity.NETWORK, c));
  }

  @Test
  void sameInputsGiveTheSameAnswer() {
    assertEquals(MemberSelector.candidates(rule(FilteringMode.MULTIPLE_HOST), 41, List.of(A, B)),
        MemberSelector.candidates(rule(FilteringMode.MULTIPLE_HOST), 41, List.of(A, B)));
  }
}
