package org.ocspcluster.balancer.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/**
 * Chooses, for one new connection under one port rule, the members to try in order. A pure
 * function of its inputs: the rule, the client's {@link AffinityKey} and the usable members.
 *
 * <p>Multiple-host rules start at the member the key hashes to (among those with a non-zero
 * weight, ordered by host priority) and offer the others as fallbacks; single-host rules go to the
 * best host priority (lowest number) first, the next ones taking over on failure. This modulo
 * placement moves clients when membership changes; the Maglev table replaces it later.
 */
public final class MemberSelector {
  private MemberSelector() {}

  public static List<Member> candidates(PortRule rule, long key, List<Member> usable) {
    if (rule.filteringMode() == FilteringMode.DISABLED || usable.isEmpty()) {
      return List.of();
    }
    List<Member> eligible = new ArrayList<>(usable.stream()
        .filter(m -> rule.filteringMode() == FilteringMode.SINGLE_HOST || m.weight() == null || m.weight() > 0)
        .sorted(Comparator.comparingInt(Member::priority))
        .toList());
    if (eligible.isEmpty() || rule.filteringMode() == FilteringMode.SINGLE_HOST) {
      return eligible;
    }
    int start = (int) Math.floorMod(key, (long) eligible.size());
    List<Member> ordered = new ArrayList<>(eligible.size());
    for (int i = 0; i < eligible.size(); i++) {
      ordered.add(eligible.get((start + i) % eligible.size()));
    }
    return ordered;
  }
}
