package org.ocspcluster.balancer.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ocspcluster.config.Affinity;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRange;
import org.ocspcluster.config.PortRule;

class MemberSelectorTest {
  static final Member A = new Member("a", HostPort.parse("127.0.0.1:1001"), 2, null);
  static final Member B = new Member("b", HostPort.parse("127.0.0.1:1002"), 1, null);
  static final Member C = new Member("c", HostPort.parse("127.0.0.1:1003"), 3, 0);
  static final List<Member> ALL = List.of(A, B, C);
  static final Set<String> LIVE = Set.of("a", "b", "c");

  static MemberSelector selector(
      FilteringMode mode, Map<String, Integer> weights, Map<String, Integer> handling) {
    return new MemberSelector(
        new PortRule("r", null, PortRange.of(8080), null, mode, null, weights, handling), ALL);
  }

  @Test
  void multipleHostSpreadsKeysAndOffersTheOthersAsFallback() {
    MemberSelector selector = selector(FilteringMode.MULTIPLE_HOST, null, null);
    Set<String> firsts = new HashSet<>();
    for (long key = 0; key < 64; key++) {
      List<Member> order = selector.candidates(key * 7919, LIVE, 3);
      assertEquals(2, order.size(), "c has weight 0 and takes nothing");
      firsts.add(order.get(0).name());
    }
    assertEquals(Set.of("a", "b"), firsts);
  }

  @Test
  void aRuleWeightOverridesTheMembersDefault() {
    // c's default weight is 0; the rule gives it everything else's share.
    MemberSelector selector =
        selector(FilteringMode.MULTIPLE_HOST, Map.of("a", 0, "b", 0, "c", 10), null);
    for (long key = 0; key < 32; key++) {
      assertEquals("c", selector.candidates(key, LIVE, 1).get(0).name());
    }
  }

  @Test
  void singleHostGoesToTheBestHandlingPriorityThenTheNext() {
    MemberSelector byHostPriority = selector(FilteringMode.SINGLE_HOST, null, null);
    assertEquals(List.of(B, A, C), byHostPriority.candidates(7, LIVE, 3));
    assertEquals(
        List.of(A, C), byHostPriority.candidates(7, Set.of("a", "c"), 3), "b down: a takes over");
    MemberSelector byRule =
        selector(FilteringMode.SINGLE_HOST, null, Map.of("c", 1, "a", 2, "b", 3));
    assertEquals(List.of(C, A, B), byRule.candidates(7, LIVE, 3));
  }

  @Test
  void disabledRuleHasNoCandidates() {
    assertEquals(List.of(), selector(FilteringMode.DISABLED, null, null).candidates(0, LIVE, 3));
  }

  @Test
  void aMemberThatIsNotLiveIsSkippedAndOnlyItsKeysMove() {
    MemberSelector selector = selector(FilteringMode.MULTIPLE_HOST, null, null);
    for (long key = 0; key < 2000; key++) {
      String before = selector.candidates(key, LIVE, 1).get(0).name();
      String after = selector.candidates(key, Set.of("b", "c"), 1).get(0).name();
      if (!before.equals("a")) {
        assertEquals(before, after, "key " + key + " was not a's and must not move");
      }
    }
  }

  @Test
  void affinityKeysAreStableAndSingleAffinityIgnoresThePort() {
    var one = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    var two = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40001);
    assertEquals(AffinityKey.of(Affinity.SINGLE, one), AffinityKey.of(Affinity.SINGLE, two));
    assertTrue(AffinityKey.of(Affinity.NONE, one) != AffinityKey.of(Affinity.NONE, two));
  }

  @Test
  void networkAffinityKeepsA24AndA64Together() throws Exception {
    var a = new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 1);
    var b = new InetSocketAddress(InetAddress.getByName("192.0.2.200"), 2);
    var c = new InetSocketAddress(InetAddress.getByName("192.0.3.10"), 1);
    assertEquals(AffinityKey.of(Affinity.NETWORK, a), AffinityKey.of(Affinity.NETWORK, b));
    assertTrue(AffinityKey.of(Affinity.NETWORK, a) != AffinityKey.of(Affinity.NETWORK, c));
    var v6a = new InetSocketAddress(InetAddress.getByName("2001:db8:1:2::1"), 1);
    var v6b = new InetSocketAddress(InetAddress.getByName("2001:db8:1:2:ffff::9"), 1);
    var v6c = new InetSocketAddress(InetAddress.getByName("2001:db8:1:3::1"), 1);
    assertEquals(AffinityKey.of(Affinity.NETWORK, v6a), AffinityKey.of(Affinity.NETWORK, v6b));
    assertTrue(AffinityKey.of(Affinity.NETWORK, v6a) != AffinityKey.of(Affinity.NETWORK, v6c));
  }
}
