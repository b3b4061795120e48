package org.ocspcluster.balancer.rules;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/**
 * Chooses, for one new connection under one port rule, the members to try in order: a pure function
 * of (rule, the client's {@link AffinityKey}, the live members).
 *
 * <p>Multiple-host rules look the key up in the rule's {@link MaglevTable}, built once from the
 * members and their load weights under the rule; members that are not live are skipped, so only
 * their clients move. Single-host rules go to the live member with the best handling priority, the
 * next ones taking over on failure. Disabled rules have no candidates.
 */
public final class MemberSelector {
  private final PortRule rule;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final MaglevTable table;

  public MemberSelector(PortRule rule, List<Member> members) {
    this.rule = rule;
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (Member m : members) {
      this.members.put(m.name(), m);
      weights.put(m.name(), rule.weightOf(m));
    }
    this.table = MaglevTable.build(weights);
  }

  public PortRule rule() {
    return rule;
  }

  public MaglevTable table() {
    return table;
  }

  /** At most {@code limit} members to try, best first, among {@code live}. */
  public List<Member> candidates(long key, Set<String> live, int limit) {
    return switch (rule.filteringMode()) {
      case DISABLED -> List.of();
      case SINGLE_HOST ->
          members.values().stream()
              .filter(m -> live.contains(m.name()))
              .sorted(Comparator.comparingInt(rule::handlingPriorityOf))
              .limit(limit)
              .toList();
      case MULTIPLE_HOST ->
          table.lookup(key, live::contains, limit).stream().map(members::get).toList();
    };
  }
}
