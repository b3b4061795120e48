package org.ocspcluster.config;

/**
 * Cluster parameters: the name, the full Internet name (FQDN) clients use, the cluster IP the
 * balancer listens on, and the operation mode. A software proxy has one meaningful mode,
 * {@code unicast}; the multicast modes only exist in NLB's handling of the cluster MAC.
 */
public record Cluster(String name, String fqdn, String ip, String mode) {
  public Cluster {
    mode = mode == null ? "unicast" : mode;
  }
}
