package org.ocspcluster.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.node.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "balancer",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the front end: listens on the cluster IP for every port rule, probes the members",
      "with real OCSP requests and forwards clients to healthy ones; serves the admin listener. Ctrl-C stops it."
    })
final class BalancerCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "the cluster.yaml (or --zookeeper)")
  Path config;

  @Option(
      names = "--zookeeper",
      paramLabel = "HOST:PORT[,...]",
      description = "follow the array's revisions on ZooKeeper instead of a file")
  String zookeeper;

  @Option(
      names = "--cluster",
      defaultValue = "demo",
      paramLabel = "NAME",
      description = "the array's name in ZooKeeper (default: ${DEFAULT-VALUE})")
  String cluster;

  @Option(
      names = "--data",
      defaultValue = "balancer-data",
      paramLabel = "DIR",
      description =
          "with --zookeeper: the local copy of the last revision (default: ./${DEFAULT-VALUE})")
  Path data;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description =
          "with --zookeeper: this balancer's name in the array's status and votes (default: the"
              + " front end's name, else the host name)")
  String name;

  @Option(
      names = "--front-end",
      paramLabel = "NAME",
      description = {
        "run as front end NAME of cluster.yaml's frontEnds: the cluster IP moves to and from it",
        "by keepalived (vrrp) or bird (bgp), which this command writes, starts and supervises"
      })
  String frontEnd;

  @picocli.CommandLine.Mixin ZooKeeperOptions access;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if ((config == null) == (zookeeper == null)) {
      spec.commandLine().getErr().println("give either --config FILE or --zookeeper HOSTS");
      return 2;
    }
    ArrayProcesses.Follower follower = null;
    ClusterConfig loaded;
    if (zookeeper != null) {
      follower =
          ArrayProcesses.Follower.start(
              zookeeper, this.cluster, access, data, spec.commandLine().getErr());
      if (follower == null) {
        return 1;
      }
      loaded = follower.config();
    } else {
      loaded = Configs.load(config, spec.commandLine().getErr());
    }
    if (loaded == null) {
      return Main.CONFIG_ERROR;
    }
    ClusterConfig cluster = loaded;
    if (frontEnd != null && cluster.frontEnd(frontEnd).isEmpty()) {
      spec.commandLine()
          .getErr()
          .println(
              "error: the configuration has no front end named "
                  + frontEnd
                  + (cluster.frontEnds().isEmpty()
                      ? ": add it under frontEnds: (name, address, interface, priority, failover)"
                      : "; its front ends are "
                          + cluster.frontEnds().stream().map(f -> f.name()).toList()));
      return Main.CONFIG_ERROR;
    }
    Node process = new Node(cluster);
    process.auditTo(data.resolve("audit.jsonl"));
    try {
      process.startBalancer(frontEnd);
      if (follower != null) {
        follower.follow(process, name != null ? name : frontEnd != null ? frontEnd : hostName());
      }
      HostPort admin =
          frontEnd == null || cluster.frontEnd(frontEnd).orElseThrow().admin() == null
              ? cluster.admin().listen()
              : cluster.frontEnd(frontEnd).orElseThrow().admin();
      process.startAdmin(new InetSocketAddress(admin.host(), admin.port()));
      if (frontEnd != null) {
        process.startFailover(frontEnd, data.resolve("front-end-" + frontEnd));
      }
      spec.commandLine()
          .getOut()
          .printf("admin listener ready: http://%s/metrics and http://%s/ready%n", admin, admin);
    } catch (Exception e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      process.close();
      return 1;
    }
    return Foreground.runUntilSignalled(process);
  }

  static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "balancer";
    }
  }
}
