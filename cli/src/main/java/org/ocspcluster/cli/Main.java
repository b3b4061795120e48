package org.ocspcluster.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code ocsp-cluster <command>}. */
@Command(
    name = "ocsp-cluster",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Highly available OCSP: responder members, an NLB-style balancer and metrics in one product.",
    subcommands = {
        UpCommand.class,
        DemoPkiCommand.class,
        ResponderCommand.class,
        BalancerCommand.class,
        CheckConfigCommand.class,
        ConfigCommand.class,
        ArrayCommand.class,
        ArrayProcesses.Controller.class,
        ArrayProcesses.Member.class,
        QueryCommand.class,
        HostVerbs.Start.class,
        HostVerbs.Stop.class,
        HostVerbs.Drainstop.class,
        HostVerbs.Suspend.class,
        HostVerbs.Resume.class,
        HostVerbs.Enable.class,
        HostVerbs.Disable.class,
        HostVerbs.Drain.class,
        RefreshCommand.class,
        AssignSignerCommand.class,
        SignerRequestCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Exit status for a refused configuration. */
  public static final int CONFIG_ERROR = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("error: " + e.getMessage());
          return 1;
        });
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"ocsp-cluster " + (v == null ? "(development build)" : v)};
    }
  }
}
