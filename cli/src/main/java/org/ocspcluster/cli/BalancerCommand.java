package org.ocspcluster.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.cli.up.ClusterProcess;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.HostPort;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "balancer", mixinStandardHelpOptions = true,
    description = {"Runs the front end: listens on the cluster IP for every port rule, probes the members",
        "with real OCSP requests and forwards clients to healthy ones; serves the admin listener. Ctrl-C stops it."})
final class BalancerCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "the cluster.yaml")
  Path config;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    ClusterConfig cluster = Configs.load(config, spec.commandLine().getErr());
    if (cluster == null) {
      return Main.CONFIG_ERROR;
    }
    ClusterProcess process = new ClusterProcess(cluster);
    try {
      process.startBalancer();
      HostPort admin = cluster.admin().listen();
      process.startAdmin(new InetSocketAddress(admin.host(), admin.port()));
      spec.commandLine().getOut().printf("admin listener ready: http://%s/metrics and http://%s/ready%n", admin, admin);
    } catch (Exception e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      process.close();
      return 1;
    }
    return Foreground.runUntilSignalled(process);
  }
}
