package org.ocspcluster.config;

/**
 * An NLB port rule: which traffic (cluster IP, port range, protocol) is handled how (filtering
 * mode, affinity). {@code clusterIp} is an IP or {@code all}.
 */
public record PortRule(
    String name,
    String clusterIp,
    PortRange ports,
    Protocol protocol,
    FilteringMode filteringMode,
    Affinity affinity) {

  public static final String ALL_CLUSTER_IPS = "all";

  public PortRule {
    clusterIp = clusterIp == null ? ALL_CLUSTER_IPS : clusterIp;
    protocol = protocol == null ? Protocol.TCP : protocol;
    filteringMode = filteringMode == null ? FilteringMode.MULTIPLE_HOST : filteringMode;
    affinity = affinity == null ? Affinity.SINGLE : affinity;
    if (name == null && ports != null) {
      name = protocol.name().toLowerCase(java.util.Locale.ROOT) + "-" + ports;
    }
  }
}
