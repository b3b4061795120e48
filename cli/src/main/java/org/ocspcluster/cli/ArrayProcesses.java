package org.ocspcluster.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.ocspcluster.cli.up.ClusterProcess;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.store.FolderConfigStore;
import org.ocspcluster.config.store.Revision;
import org.ocspcluster.config.store.ZooKeeperConfigStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The processes of an array that spans machines: controllers and members on ZooKeeper. */
final class ArrayProcesses {
  private ArrayProcesses() {}

  abstract static class OnZooKeeper implements Callable<Integer> {
    @Option(names = "--zookeeper", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
        description = "the ZooKeeper ensemble")
    String zookeeper;

    @Option(names = "--cluster", defaultValue = "demo", paramLabel = "NAME",
        description = "the array's name in ZooKeeper (default: ${DEFAULT-VALUE})")
    String cluster;

    @Spec
    CommandSpec spec;

    CuratorFramework connect() {
      CuratorFramework client = CuratorFrameworkFactory.builder()
          .connectString(zookeeper)
          .sessionTimeoutMs(10_000)
          .connectionTimeoutMs(5_000)
          .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000))
          .build();
      // One line per change of the ZooKeeper session, instead of ZooKeeper's own chatter.
      client.getConnectionStateListenable().addListener((c, state) ->
          org.slf4j.LoggerFactory.getLogger(ArrayProcesses.class).info("ZooKeeper {} ({})",
              state.name().toLowerCase(java.util.Locale.ROOT), zookeeper));
      client.start();
      return client;
    }

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

  @Command(name = "controller", mixinStandardHelpOptions = true,
      description = "Runs an array controller on ZooKeeper: the leader among controllers takes config apply and "
          + "rollback and stores revisions; the others stand by and take over when it dies.")
  static final class Controller extends OnZooKeeper {
    @Option(names = "--admin", defaultValue = "127.0.0.1:9464", paramLabel = "HOST:PORT",
        description = "where config and array verbs reach this controller (default: ${DEFAULT-VALUE})")
    String admin;

    @Option(names = "--id", paramLabel = "NAME", description = "this controller's name in the election (default: its admin address)")
    String id;

    @Override
    public Integer call() throws Exception {
      CuratorFramework client = connect();
      ZooKeeperConfigStore store = new ZooKeeperConfigStore(client, cluster);
      Optional<Revision> current = store.current();
      ClusterConfig config = current.map(r -> parse(r, spec.commandLine().getErr())).orElse(null);
      ClusterProcess process = new ClusterProcess(config);
      process.controlArray(store, id == null ? admin : id);
      HostPort at = HostPort.parse(admin);
      process.startAdmin(new InetSocketAddress(at.host(), at.port()));
      spec.commandLine().getOut().printf("controller of array %s ready at http://%s (revision %s in force)%n", cluster,
          admin, current.map(r -> Integer.toString(r.number())).orElse("none yet: run config apply"));
      spec.commandLine().getOut().flush();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        store.close();
        client.close();
      }));
      return Foreground.runUntilSignalled(process);
    }
  }

  @Command(name = "member", mixinStandardHelpOptions = true,
      description = "Runs one responder member of an array on ZooKeeper: it serves the revision in force, follows "
          + "every new one without a restart, registers its status, and keeps the last revision on local disk so "
          + "that it starts and serves even while ZooKeeper is down.")
  static final class Member extends OnZooKeeper {
    @Option(names = "--member", required = true, paramLabel = "NAME", description = "which member this process is")
    String member;

    @Option(names = "--data", paramLabel = "DIR", description = "local copy of the last revision (default: ./member-data/NAME)")
    Path data;

    @Option(names = "--admin", paramLabel = "HOST:PORT", description = "also serve /metrics, /ready and /array/status here")
    String admin;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      FolderConfigStore local = new FolderConfigStore((data == null ? Path.of("member-data", member) : data)
          .resolve("revisions"));
      CuratorFramework client = connect();
      ZooKeeperConfigStore array = new ZooKeeperConfigStore(client, cluster);
      Optional<Revision> start;
      String from;
      boolean reached = client.blockUntilConnected(5, java.util.concurrent.TimeUnit.SECONDS);
      if (reached && array.current().isPresent()) {
        start = array.current();
        from = "the array";
      } else {
        start = local.current();
        from = "local disk (ZooKeeper " + (reached ? "has no revision yet" : "is unreachable") + ")";
      }
      if (start.isEmpty()) {
        err.println("no configuration to serve: apply one on the controller (ocsp-cluster config apply FILE --admin "
            + "CONTROLLER) and start this member again");
        client.close();
        return 1;
      }
      ClusterConfig config = parse(start.get(), err);
      if (config == null) {
        client.close();
        return Main.CONFIG_ERROR;
      }
      ClusterProcess process = new ClusterProcess(config);
      try {
        process.startMember(member, null);
        process.startAt(start.get().number());
        if (local.current().map(Revision::number).orElse(-1) != start.get().number()
            || !local.current().get().yaml().equals(start.get().yaml())) {
          local.append(start.get().yaml(), start.get().baseDir(), "revision " + start.get().number() + " from " + from);
        }
        process.followArray(array, local);
        if (admin != null) {
          HostPort at = HostPort.parse(admin);
          process.startAdmin(new InetSocketAddress(at.host(), at.port()));
        }
      } catch (Exception e) {
        err.println("error: " + e.getMessage());
        process.close();
        client.close();
        return 1;
      }
      spec.commandLine().getOut().printf("member %s of array %s serving revision %d (from %s)%n", member, cluster,
          start.get().number(), from);
      spec.commandLine().getOut().flush();
      Runtime.getRuntime().addShutdownHook(new Thread(client::close));
      return Foreground.runUntilSignalled(process);
    }
  }

}
