package org.ocspcluster.failover;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FailoverSettings;
import org.ocspcluster.config.FrontEnd;

/**
 * keepalived's configuration for one front end, written from {@code cluster.yaml}: one VRRPv3
 * instance holding every cluster IP, a priority from the front end's, and a tracked file that the
 * readiness watch sets to 0 (ready) or 1 (not ready: the instance goes to FAULT and gives the
 * address up with a priority-0 advert, so the standby takes it at once).
 */
final class KeepalivedConf {
  private KeepalivedConf() {}

  /** NLB priority 1 (first) maps to VRRP priority 250; each step down costs 5 (32 gives 95). */
  static int vrrpPriority(int priority) {
    return 250 - 5 * (priority - 1);
  }

  static String render(ClusterConfig config, FrontEnd self, Path trackFile, int revision) {
    FailoverSettings.Vrrp vrrp = config.failover().vrrp();
    String instance = config.cluster().name().replaceAll("[^A-Za-z0-9_-]", "_");
    StringBuilder out = new StringBuilder(header(self, revision));
    out.append("global_defs {\n")
        .append("  router_id ")
        .append(instance)
        .append('-')
        .append(self.name())
        .append('\n')
        .append("  vrrp_version 3\n")
        .append("  vrrp_garp_master_delay 1\n")
        .append("  vrrp_garp_master_repeat 3\n")
        .append("}\n");
    out.append("track_file balancer_ready {\n")
        .append("  file \"")
        .append(trackFile)
        .append("\"\n")
        .append("  weight 0\n")
        .append("}\n");
    out.append("vrrp_instance ")
        .append(instance)
        .append(" {\n")
        .append("  state BACKUP\n")
        .append("  interface ")
        .append(self.networkInterface())
        .append('\n')
        .append("  virtual_router_id ")
        .append(vrrp.virtualRouterId())
        .append('\n')
        .append("  priority ")
        .append(vrrpPriority(self.priority()))
        .append('\n')
        .append("  advert_int ")
        .append(seconds(vrrp.advertInterval().toMillis()))
        .append('\n');
    if (!vrrp.preempt()) {
      out.append("  nopreempt\n");
    }
    if (vrrp.unicast()) {
      out.append("  unicast_src_ip ").append(self.address()).append('\n');
      out.append("  unicast_peer {\n");
      for (FrontEnd peer : config.frontEnds()) {
        if (!peer.name().equals(self.name())) {
          out.append("    ").append(peer.address()).append('\n');
        }
      }
      out.append("  }\n");
    }
    List<String> ips = config.clusterIps();
    boolean firstIsV6 = isV6(ips.get(0));
    out.append("  virtual_ipaddress {\n");
    for (String ip : ips) {
      if (isV6(ip) == firstIsV6) {
        out.append("    ").append(host(ip)).append('\n');
      }
    }
    out.append("  }\n");
    if (ips.stream().anyMatch(ip -> isV6(ip) != firstIsV6)) {
      // One VRRP instance advertises one address family; the others move with it unadvertised.
      out.append("  virtual_ipaddress_excluded {\n");
      for (String ip : ips) {
        if (isV6(ip) != firstIsV6) {
          out.append("    ").append(host(ip)).append('\n');
        }
      }
      out.append("  }\n");
    }
    out.append("  track_file {\n    balancer_ready\n  }\n");
    out.append("}\n");
    return out.toString();
  }

  /** The first line of every file written for an engine: whose it is, from what, not to edit. */
  static String header(FrontEnd self, int revision) {
    return "# Written by ocsp-cluster for front end "
        + self.name()
        + " from configuration revision "
        + revision
        + "; rewritten at every start, do not edit.\n";
  }

  private static String host(String ip) {
    return ip + (isV6(ip) ? "/128" : "/32");
  }

  static String seconds(long millis) {
    return String.format(java.util.Locale.ROOT, "%d.%02d", millis / 1000, (millis % 1000) / 10);
  }

  static boolean isV6(String ip) {
    try {
      return InetAddress.getByName(ip) instanceof Inet6Address;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(ip + " is not an IP literal", e);
    }
  }
}
