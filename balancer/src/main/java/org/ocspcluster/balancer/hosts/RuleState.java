package org.ocspcluster.balancer.hosts;

import java.util.Locale;

/**
 * A port rule's state: enabled, disabled (refuses, its connections closed), draining (refuses new
 * ones).
 */
public enum RuleState {
  ENABLED,
  DISABLED,
  DRAINING;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
