package org.ocspcluster.failover;

import java.time.Instant;

/**
 * What a front end does with the cluster IP now, why, and since when: with VRRP it holds the IP or
 * stands by; with BGP it announces the IP to the routers or has withdrawn it.
 */
public record FrontEndRole(String frontEnd, Role role, String reason, Instant since) {

  /** The four roles a front end can have. */
  public enum Role {
    HOLDS_IP("holds the IP", true),
    STANDBY("standby", false),
    ANNOUNCING("announcing", true),
    WITHDRAWN("withdrawn", false);

    private final String words;
    private final boolean active;

    Role(String words, boolean active) {
      this.words = words;
      this.active = active;
    }

    /** Whether clients' traffic for the cluster IP reaches this front end in this role. */
    public boolean active() {
      return active;
    }

    @Override
    public String toString() {
      return words;
    }
  }
}
