package org.ocspcluster.failover;

import java.util.List;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FailoverSettings;
import org.ocspcluster.config.FrontEnd;

/**
 * BIRD 2's configuration for one front end, written from {@code cluster.yaml}: the cluster IPs as
 * host routes in static protocols that start disabled (nothing is announced until the readiness
 * watch says the balancer is ready, and {@code birdc disable} withdraws them), one BGP session per
 * upstream router exporting only those routes with this front end as next hop, and BFD on every
 * session for sub-second failure detection.
 */
final class BirdConf {
  /** The static protocols' names start with this; {@code birdc enable "cluster_ips*"} hits both. */
  static final String STATIC = "cluster_ips";

  private BirdConf() {}

  static String render(ClusterConfig config, FrontEnd self, int revision) {
    FailoverSettings.Bgp bgp = config.failover().bgp();
    StringBuilder out = new StringBuilder(KeepalivedConf.header(self, revision));
    if (!KeepalivedConf.isV6(self.address())) {
      out.append("router id ").append(self.address()).append(";\n");
    }
    out.append("log stderr all;\n");
    out.append("protocol device {\n  scan time 10;\n}\n");
    List<String> v4 = config.clusterIps().stream().filter(ip -> !KeepalivedConf.isV6(ip)).toList();
    List<String> v6 = config.clusterIps().stream().filter(KeepalivedConf::isV6).toList();
    staticProtocol(out, "4", v4, "/32");
    staticProtocol(out, "6", v6, "/128");
    if (bgp.bfd()) {
      out.append("protocol bfd {\n")
          .append("  interface \"*\" {\n")
          .append("    min rx interval 100 ms;\n")
          .append("    min tx interval 100 ms;\n")
          .append("    multiplier 3;\n")
          .append("  };\n")
          .append("}\n");
    }
    int n = 0;
    for (FailoverSettings.Router router : bgp.routers()) {
      n++;
      boolean v6Session = KeepalivedConf.isV6(router.address());
      out.append("protocol bgp upstream_")
          .append(n)
          .append(" {\n")
          .append("  description \"router ")
          .append(router.address())
          .append("\";\n")
          .append("  local ")
          .append(self.address())
          .append(" as ")
          .append(bgp.asn())
          .append(";\n")
          .append("  neighbor ")
          .append(router.address())
          .append(" as ")
          .append(router.asn())
          .append(";\n")
          .append("  hold time ")
          .append(bgp.holdTime().toSeconds())
          .append(";\n")
          .append("  keepalive time ")
          .append(Math.max(1, bgp.holdTime().toSeconds() / 3))
          .append(";\n")
          .append("  connect retry time 1;\n")
          .append("  error wait time 1, 10;\n");
      if (bgp.bfd()) {
        out.append("  bfd on;\n");
      }
      channel(out, "4", v6Session ? List.of() : v4);
      channel(out, "6", v6Session ? v6 : List.of());
      out.append("}\n");
    }
    return out.toString();
  }

  private static void staticProtocol(
      StringBuilder out, String family, List<String> ips, String len) {
    if (ips.isEmpty()) {
      return;
    }
    out.append("protocol static ")
        .append(STATIC)
        .append(family)
        .append(" {\n")
        .append("  disabled;\n")
        .append("  ipv")
        .append(family)
        .append(";\n");
    for (String ip : ips) {
      out.append("  route ").append(ip).append(len).append(" blackhole;\n");
    }
    out.append("}\n");
  }

  private static void channel(StringBuilder out, String family, List<String> ips) {
    if (ips.isEmpty()) {
      return;
    }
    out.append("  ipv")
        .append(family)
        .append(" {\n")
        .append("    import none;\n")
        .append("    export where proto = \"")
        .append(STATIC)
        .append(family)
        .append("\";\n")
        .append("    next hop self;\n")
        .append("  };\n");
  }
}
