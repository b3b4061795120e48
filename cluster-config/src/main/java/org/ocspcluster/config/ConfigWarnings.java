package org.ocspcluster.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What a valid configuration does that its author may not expect: said by {@code check-config} and
 * logged when a revision is applied, never a refusal.
 */
public final class ConfigWarnings {
  private ConfigWarnings() {}

  /** Each warning as a problem (field and reason), in the file's order. */
  public static List<ConfigException.Problem> of(ClusterConfig config) {
    List<ConfigException.Problem> warnings = new ArrayList<>();
    for (int i = 0; i < config.portRules().size(); i++) {
      PortRule rule = config.portRules().get(i);
      if (rule.filteringMode() != FilteringMode.MULTIPLE_HOST || rule.loadWeights().isEmpty()) {
        continue;
      }
      int total = 0;
      for (Member m : config.members()) {
        total += rule.weightOf(m);
      }
      for (Member m : config.members()) {
        if (rule.loadWeights().containsKey(m.name())) {
          continue;
        }
        int weight = rule.weightOf(m);
        warnings.add(
            new ConfigException.Problem(
                "portRules[" + i + "].loadWeights",
                "leaves out member "
                    + m.name()
                    + ", which takes "
                    + (m.weight() == null ? "the default weight " : "its member weight ")
                    + weight
                    + " ("
                    + (total == 0 ? 0 : Math.round(100.0 * weight / total))
                    + "% of rule "
                    + rule.name()
                    + "'s new connections); list it under loadWeights to set its share"));
      }
    }
    return warnings;
  }

  /** Each member's share of a multiple-host rule's new connections, in percent, when all are up. */
  public static String shares(PortRule rule, List<Member> members) {
    int total = 0;
    for (Member m : members) {
      total += rule.weightOf(m);
    }
    List<String> parts = new ArrayList<>();
    for (Member m : members) {
      int w = rule.weightOf(m);
      parts.add(m.name() + " " + (total == 0 ? 0 : Math.round(100.0 * w / total)) + "%");
    }
    return String.join(", ", parts);
  }
}
