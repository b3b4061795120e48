package org.ocspcluster.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.config.RevocationConfiguration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "check-config",
    mixinStandardHelpOptions = true,
    description = {
      "Validates a cluster.yaml and prints a summary.",
      "A refused file prints each problem as FILE: FIELD: REASON and exits 2."
    })
final class CheckConfigCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "the cluster.yaml to check")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ClusterConfig config = Configs.load(file, spec.commandLine().getErr());
    if (config == null) {
      return Main.CONFIG_ERROR;
    }
    var out = spec.commandLine().getOut();
    out.printf("%s: valid%n", file.toAbsolutePath().normalize());
    out.printf(
        "cluster %s: fqdn %s, cluster IP %s, mode %s%n",
        config.cluster().name(),
        config.cluster().fqdn(),
        config.cluster().ip(),
        config.cluster().mode());
    for (PortRule r : config.portRules()) {
      out.printf(
          "  port rule %s: %s ports %s on %s%s, %s, affinity %s%s%n",
          r.name(),
          r.protocol(),
          r.ports(),
          r.clusterIp(),
          r.memberPort().equals(org.ocspcluster.config.MemberPort.ADDRESS)
              ? ""
              : " to member port " + r.memberPort(),
          r.filteringMode(),
          r.affinity(),
          r.filteringMode() == org.ocspcluster.config.FilteringMode.MULTIPLE_HOST
              ? "; shares " + org.ocspcluster.config.ConfigWarnings.shares(r, config.members())
              : "");
    }
    for (Member m : config.members()) {
      out.printf(
          "  member %s at %s, priority %d, weight %s%n",
          m.name(), m.address(), m.priority(), m.weight() == null ? "equal" : m.weight());
    }
    for (RevocationConfiguration rc : config.revocationConfigurations()) {
      String source =
          rc.opensslIndex() != null
              ? "CA database " + rc.opensslIndex()
              : "CRL " + rc.crl() + (rc.deltaCrl() == null ? "" : " + delta " + rc.deltaCrl());
      out.printf(
          "  revocation configuration %s: CA %s, %s every %s%n",
          rc.name(), rc.caCertificate(), source, rc.refreshInterval());
    }
    out.printf("  admin listener %s%n", config.admin().listen());
    for (var w : org.ocspcluster.config.ConfigWarnings.of(config)) {
      out.printf("warning: %s: %s%n", w.field(), w.reason());
    }
    out.flush();
    return 0;
  }
}
