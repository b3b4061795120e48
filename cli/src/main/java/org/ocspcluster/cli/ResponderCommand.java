package org.ocspcluster.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.node.Node;
import org.ocspcluster.responder.ResponderException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "responder",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one responder member: it answers OCSP at the member's address for every",
      "revocation configuration in the file. Ctrl-C stops it."
    })
final class ResponderCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "the cluster.yaml")
  Path config;

  @Option(
      names = "--member",
      required = true,
      paramLabel = "NAME",
      description = "which member this process is")
  String member;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      description =
          "also serve /metrics and /ready here (the cluster's admin address belongs to the balancer)")
  String admin;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ClusterConfig cluster = Configs.load(config, spec.commandLine().getErr());
    if (cluster == null) {
      return Main.CONFIG_ERROR;
    }
    Node process = new Node(cluster);
    try {
      process.startMember(member, null);
      process.startSignerRenewal(); // its own signers, where it has them
      if (admin != null) {
        HostPort at = HostPort.parse(admin);
        process.startAdmin(new InetSocketAddress(at.host(), at.port()));
        spec.commandLine().getOut().printf("admin listener ready: http://%s/metrics%n", at);
      }
    } catch (ResponderException | RuntimeException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      process.close();
      return 1;
    }
    return Foreground.runUntilSignalled(process);
  }
}
