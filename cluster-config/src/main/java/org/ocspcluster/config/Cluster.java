package org.ocspcluster.config;

/**
 * Cluster parameters: the name, the full Internet name (FQDN) clients use, the cluster IP the
 * balancer listens on, and the operation mode. A software proxy has one meaningful mode, {@code
 * unicast}; the multicast modes only exist in NLB's handling of the cluster MAC.
 */
public record Cluster(
    String name, String fqdn, String ip, java.util.List<String> additionalIps, String mode) {
  public Cluster {
    mode = mode == null ? "unicast" : mode;
    additionalIps =
        additionalIps == null ? java.util.List.of() : java.util.List.copyOf(additionalIps);
  }

  public Cluster(String name, String fqdn, String ip, String mode) {
    this(name, fqdn, ip, null, mode);
  }
}
