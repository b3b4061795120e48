package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A front end that may hold the cluster IP(s): a balancer on its own machine (or network
 * namespace). Several front ends make the cluster IP survive the loss of one: with {@code vrrp} one
 * holds it at a time (the lowest priority number that is ready), moved by keepalived; with {@code
 * bgp} every ready front end announces it to the upstream routers, which spread flows over them
 * (ECMP). {@code address} is the front end's own address (VRRP source, BGP router id and session
 * address); {@code interface} faces the clients (VRRP) or the routers (BFD). {@code admin} is its
 * admin listener, by default the cluster's {@code admin.listen}.
 */
public record FrontEnd(
    String name,
    String address,
    @JsonProperty("interface") String networkInterface,
    Integer priority,
    Failover failover,
    HostPort admin) {

  /** How the cluster IP moves between front ends. */
  public enum Failover {
    /** Active/standby: keepalived (VRRPv3) moves the address to the ready front end first. */
    VRRP("vrrp"),
    /** Active/active: every ready front end announces the address over BGP (BIRD). */
    BGP("bgp");

    private final String word;

    Failover(String word) {
      this.word = word;
    }

    @JsonCreator
    public static Failover parse(String text) {
      return Words.parse(Failover.class, values(), text, f -> f.word);
    }

    @JsonValue
    @Override
    public String toString() {
      return word;
    }
  }
}
