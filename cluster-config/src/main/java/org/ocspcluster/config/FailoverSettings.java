package org.ocspcluster.config;

import java.time.Duration;
import java.util.List;

/**
 * How front ends hand the cluster IP over: the VRRP instance keepalived runs, or the BGP sessions
 * BIRD holds with the upstream routers. Only the part that the front ends' {@code failover} names
 * is used.
 */
public record FailoverSettings(Vrrp vrrp, Bgp bgp, Duration readinessInterval) {

  public FailoverSettings {
    vrrp = vrrp == null ? new Vrrp(null, null, null, null) : vrrp;
    bgp = bgp == null ? new Bgp(null, null, null, null) : bgp;
    // How often the watch outside the balancer asks its /ready: a frozen balancer is noticed
    // within this plus the ask's own timeout (the same length).
    readinessInterval = readinessInterval == null ? Duration.ofMillis(200) : readinessInterval;
  }

  public static FailoverSettings defaults() {
    return new FailoverSettings(null, null, null);
  }

  /**
   * The VRRP instance: its id on the segment (1..255, unique among the segment's VRRP routers), the
   * advert interval (keepalived's VRRPv3 allows 10 ms steps; 100 ms gives failover in about 0.4 s),
   * unicast adverts to the other front ends' addresses instead of multicast (for networks that drop
   * multicast), and whether a front end that is first by priority takes the address back when it
   * returns (NLB's host priority) or leaves it where it is.
   */
  public record Vrrp(
      Integer virtualRouterId, Duration advertInterval, Boolean unicast, Boolean preempt) {
    public Vrrp {
      virtualRouterId = virtualRouterId == null ? 51 : virtualRouterId;
      advertInterval = advertInterval == null ? Duration.ofMillis(100) : advertInterval;
      unicast = unicast != null && unicast;
      preempt = preempt == null || preempt;
    }
  }

  /**
   * The BGP side: the front ends' AS number (the same on every front end, so that routers see equal
   * paths and spread flows over them), the upstream routers, and BFD for sub-second failure
   * detection; {@code holdTime} is BGP's own, for routers without BFD.
   */
  public record Bgp(Long asn, List<Router> routers, Boolean bfd, Duration holdTime) {
    public Bgp {
      routers = routers == null ? List.of() : List.copyOf(routers);
      bfd = bfd == null || bfd;
      holdTime = holdTime == null ? Duration.ofSeconds(3) : holdTime;
    }
  }

  /** An upstream router: its address on the front ends' network and its AS number. */
  public record Router(String address, Long asn) {}
}
