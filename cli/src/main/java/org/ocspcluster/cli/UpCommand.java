package org.ocspcluster.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.balancer.BalancerException;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.RevocationConfiguration;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.responder.ResponderException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the whole cluster in this process: every member, the balancer and the admin listener.",
      "With no --config it uses the embedded default: a demo PKI and cluster.yaml in the data folder,",
      "made the first time (and again when the demo CRL is about to expire). Ctrl-C stops it."
    })
final class UpCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "the cluster.yaml to run (default: the embedded demo)")
  Path config;

  @Option(
      names = "--data",
      defaultValue = "cluster-data",
      paramLabel = "DIR",
      description = "where the embedded default lives (default: ./${DEFAULT-VALUE})")
  Path data;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path file = config;
    FolderConfigStore store = new FolderConfigStore(data.resolve("revisions"));
    String source = "up --config " + file;
    if (file == null) {
      if (!DemoCluster.usable(data)) {
        DemoCluster.write(data, "localhost", DemoCluster.Ports.DEFAULT, DemoPki.KeyType.EC);
        out.printf("created the demo PKI and cluster.yaml in %s%n", display(data));
      }
      file = data.resolve(DemoCluster.CONFIG_FILE);
      source = "embedded default";
    }
    String yaml = Files.readString(file);
    Path baseDir = file.toAbsolutePath().normalize().getParent();
    var stored = store.current();
    if (config == null && stored.isPresent()) {
      // The embedded default runs the revision last applied to it.
      yaml = stored.get().yaml();
      baseDir = stored.get().baseDir();
      file = stored.get().anchor();
      source = "revision " + stored.get().number();
    }
    ClusterConfig cluster;
    try {
      cluster = org.ocspcluster.config.ConfigLoader.parse(baseDir.resolve("cluster.yaml"), yaml);
      // This process runs every part, so every file the configuration names must be here.
      org.ocspcluster.config.FileChecks.refuseIfAny(
          baseDir.resolve("cluster.yaml"), org.ocspcluster.config.FileChecks.all(cluster));
    } catch (org.ocspcluster.config.ConfigException e) {
      err.println("configuration refused:");
      e.problems()
          .forEach(
              p ->
                  err.println(
                      "  "
                          + (config != null ? config.toAbsolutePath().normalize() : e.file())
                          + ": "
                          + p.field()
                          + ": "
                          + p.reason()));
      err.flush();
      return Main.CONFIG_ERROR;
    }
    Node process = new Node(cluster);
    process.auditTo(data.resolve("audit.jsonl"));
    try {
      process.useStore(store, yaml, baseDir, source);
      process.startAllMembers();
      process.startBalancer();
      process.startSignerRenewal();
      HostPort admin = cluster.admin().listen();
      process.startAdmin(new InetSocketAddress(admin.host(), admin.port()));
      out.printf("admin listener ready: http://%s/metrics and http://%s/ready%n", admin, admin);
    } catch (ResponderException | BalancerException | IOException | RuntimeException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      process.close();
      return 1;
    }
    int port = cluster.portRules().get(0).ports().from();
    out.printf(
        "cluster %s is up: clients use http://%s:%d/%n",
        cluster.cluster().name(), cluster.cluster().fqdn(), port);
    out.println("query it with:");
    out.println("  " + opensslCommand(cluster, port, "good.pem"));
    out.println("  " + opensslCommand(cluster, port, "revoked.pem"));
    out.printf("members and rules: ./ocsp-cluster query --admin %s%n", cluster.admin().listen());
    out.println("stop with Ctrl-C");
    out.flush();
    return Foreground.runUntilSignalled(process);
  }

  static String opensslCommand(ClusterConfig cluster, int port, String leaf) {
    RevocationConfiguration rc = cluster.revocationConfigurations().get(0);
    Path ca = rc.caCertificate();
    Path cert = ca.resolveSibling(leaf);
    String certArg = Files.isRegularFile(cert) ? display(cert) : "YOUR-CERTIFICATE.pem";
    return "openssl ocsp -issuer "
        + display(ca)
        + " -CAfile "
        + display(ca)
        + " -cert "
        + certArg
        + " -url http://"
        + cluster.cluster().fqdn()
        + ":"
        + port
        + "/";
  }

  /** A path as short as it can be said from the current folder. */
  static String display(Path path) {
    Path here = Path.of("").toAbsolutePath();
    Path absolute = path.toAbsolutePath().normalize();
    return absolute.startsWith(here) ? here.relativize(absolute).toString() : absolute.toString();
  }
}
