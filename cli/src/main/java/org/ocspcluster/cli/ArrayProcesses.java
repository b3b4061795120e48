package org.ocspcluster.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperAccess;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.Node;
import org.ocspcluster.node.array.ZooKeeperArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The processes of an array that spans machines: controllers and members on ZooKeeper. */
final class ArrayProcesses {
  private ArrayProcesses() {}

  abstract static class OnZooKeeper implements Callable<Integer> {
    @Option(
        names = "--zookeeper",
        required = true,
        paramLabel = "HOST:PORT[,HOST:PORT...]",
        description = "the ZooKeeper ensemble")
    String zookeeper;

    @Option(
        names = "--cluster",
        defaultValue = "demo",
        paramLabel = "NAME",
        description = "the array's name in ZooKeeper (default: ${DEFAULT-VALUE})")
    String cluster;

    @picocli.CommandLine.Mixin ZooKeeperOptions access;

    @Spec CommandSpec spec;

    static ClusterConfig parse(Revision r, PrintWriter err) {
      try {
        return ConfigLoader.parse(r.anchor(), r.yaml());
      } catch (ConfigException e) {
        err.println("revision " + r.number() + " cannot run here:");
        e.problems().forEach(p -> err.println("  " + p));
        err.flush();
        return null;
      }
    }
  }

  /**
   * What a process that follows the array needs at start: the revision to run (from ZooKeeper, or
   * from local disk when ZooKeeper cannot be reached) and, once its parts run, the watch.
   */
  static final class Follower {
    private final ZooKeeperArray array;
    private final FolderConfigStore local;
    private final Revision start;
    private final ClusterConfig config;
    private final String from;

    private Follower(
        ZooKeeperArray array,
        FolderConfigStore local,
        Revision start,
        ClusterConfig config,
        String from) {
      this.array = array;
      this.local = local;
      this.start = start;
      this.config = config;
      this.from = from;
    }

    /** Null after saying why on {@code err}. */
    static Follower start(
        String zookeeper, String cluster, ZooKeeperOptions options, Path data, PrintWriter err)
        throws IOException {
      ZooKeeperAccess access = options.access(err);
      if (access == null) {
        return null;
      }
      ZooKeeperArray array = ZooKeeperArray.connect(zookeeper, cluster, access);
      FolderConfigStore local = new FolderConfigStore(data.resolve("revisions"));
      ZooKeeperArray.Start start;
      try {
        start = array.startingRevision(local);
      } catch (IOException e) {
        err.println("error: " + e.getMessage());
        err.flush();
        array.close();
        return null;
      }
      if (start.revision().isEmpty()) {
        err.println(
            "no configuration to run: apply one on the controller (ocsp-cluster config apply FILE --admin "
                + "CONTROLLER) and start again");
        err.flush();
        array.close();
        return null;
      }
      ClusterConfig config = OnZooKeeper.parse(start.revision().get(), err);
      if (config == null) {
        array.close();
        return null;
      }
      return new Follower(array, local, start.revision().get(), config, start.from());
    }

    ClusterConfig config() {
      return config;
    }

    Revision revision() {
      return start;
    }

    String from() {
      return from;
    }

    /** Once {@code node} runs its parts: keep the revision locally and follow the array. */
    void follow(Node node, String balancerName) throws IOException {
      node.startAt(start.number());
      ZooKeeperArray.keepLocally(local, start);
      node.followArray(array.store(), local, balancerName);
      Runtime.getRuntime().addShutdownHook(new Thread(array::close));
    }
  }

  @Command(
      name = "controller",
      mixinStandardHelpOptions = true,
      description =
          "Runs an array controller on ZooKeeper: the leader among controllers takes config apply and "
              + "rollback and stores revisions; the others stand by and take over when it dies.")
  static final class Controller extends OnZooKeeper {
    @Option(
        names = "--admin",
        defaultValue = "127.0.0.1:9464",
        paramLabel = "HOST:PORT",
        description =
            "where config and array verbs reach this controller (default: ${DEFAULT-VALUE})")
    String admin;

    @Option(
        names = "--data",
        defaultValue = "controller-data",
        paramLabel = "DIR",
        description = "where this controller keeps its audit trail (default: ./${DEFAULT-VALUE})")
    Path data;

    @Option(
        names = "--id",
        paramLabel = "NAME",
        description = "this controller's name in the election (default: its admin address)")
    String id;

    @Override
    public Integer call() throws Exception {
      ZooKeeperAccess zk = access.access(spec.commandLine().getErr());
      if (zk == null) {
        return Main.CONFIG_ERROR;
      }
      ZooKeeperArray array = ZooKeeperArray.connect(zookeeper, cluster, zk);
      try {
        array.checkAccess();
      } catch (IOException e) {
        spec.commandLine().getErr().println("error: " + e.getMessage());
        array.close();
        return 1;
      }
      ZooKeeperConfigStore store = array.store();
      Optional<Revision> current = store.current();
      ClusterConfig config = current.map(r -> parse(r, spec.commandLine().getErr())).orElse(null);
      Node process = new Node(config);
      process.auditTo(data.resolve("audit.jsonl"));
      process.controlArray(store, id == null ? admin : id);
      process.startSignerRenewal();
      HostPort at = HostPort.parse(admin);
      process.startAdmin(new InetSocketAddress(at.host(), at.port()));
      spec.commandLine()
          .getOut()
          .printf(
              "controller of array %s ready at http://%s (revision %s in force)%n",
              cluster,
              admin,
              current.map(r -> Integer.toString(r.number())).orElse("none yet: run config apply"));
      spec.commandLine().getOut().flush();
      Runtime.getRuntime().addShutdownHook(new Thread(array::close));
      return Foreground.runUntilSignalled(process);
    }
  }

  @Command(
      name = "member",
      mixinStandardHelpOptions = true,
      description =
          "Runs one responder member of an array on ZooKeeper: it serves the revision in force, follows "
              + "every new one without a restart, registers its status, and keeps the last revision on local disk so "
              + "that it starts and serves even while ZooKeeper is down.")
  static final class Member extends OnZooKeeper {
    @Option(
        names = "--member",
        required = true,
        paramLabel = "NAME",
        description = "which member this process is")
    String member;

    @Option(
        names = "--data",
        paramLabel = "DIR",
        description = "local copy of the last revision (default: ./member-data/NAME)")
    Path data;

    @Option(
        names = "--admin",
        paramLabel = "HOST:PORT",
        description = "also serve /metrics, /ready and /array/status here")
    String admin;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      Follower follower =
          Follower.start(
              zookeeper,
              cluster,
              access,
              data == null ? Path.of("member-data", member) : data,
              err);
      if (follower == null) {
        return 1;
      }
      Node process = new Node(follower.config());
      process.auditTo(
          (data == null ? Path.of("member-data", member) : data).resolve("audit.jsonl"));
      try {
        process.startMember(member, null);
        process.startSignerRenewal(); // its own signers, where it has them
        follower.follow(process, null);
        if (admin != null) {
          HostPort at = HostPort.parse(admin);
          process.startAdmin(new InetSocketAddress(at.host(), at.port()));
        }
      } catch (Exception e) {
        err.println("error: " + e.getMessage());
        process.close();
        return 1;
      }
      spec.commandLine()
          .getOut()
          .printf(
              "member %s of array %s serving revision %d (from %s)%n",
              member, cluster, follower.revision().number(), follower.from());
      spec.commandLine().getOut().flush();
      return Foreground.runUntilSignalled(process);
    }
  }
}
