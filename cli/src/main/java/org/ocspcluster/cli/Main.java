package org.ocspcluster.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.ocspcluster.cli.logging.ConsoleLogging;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code ocsp-cluster <command>}. */
@Command(
    name = "ocsp-cluster",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Highly available OCSP: responder members, an NLB-style balancer and metrics in one product.",
    subcommands = {
      UpCommand.class,
      DemoPkiCommand.class,
      ResponderCommand.class,
      BalancerCommand.class,
      CheckConfigCommand.class,
      DoctorCommand.class,
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
      AuditCommand.class,
      SignerRequestCommand.class,
      SignerInstallCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Exit status for a refused configuration. */
  public static final int CONFIG_ERROR = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--log-format",
      paramLabel = "text|json",
      defaultValue = "text",
      description = "log lines as readable text (default) or one JSON object per line",
      scope = CommandLine.ScopeType.INHERIT)
  String logFormat;

  public static void main(String[] args) {
    // Chosen before anything logs, since logging configures itself on first use.
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--log-format=json")
          || (args[i].equals("--log-format")
              && i + 1 < args.length
              && args[i + 1].equals("json"))) {
        System.setProperty(ConsoleLogging.FORMAT_PROPERTY, "json");
      }
    }
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(
            (e, cmd, parsed) -> {
              cmd.getErr().println("error: " + e.getMessage());
              return 1;
            });
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The version the build wrote into {@code version.properties}; read from a resource rather than
   * the jar's manifest, since the container image runs the classes from folders, not from a jar.
   */
  static String builtVersion() {
    try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (!v.isEmpty() && !v.startsWith("$")) {
          return v;
        }
      }
    } catch (IOException e) {
      // The same answer as no resource at all.
    }
    return "(development build)";
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ocsp-cluster " + builtVersion()};
    }
  }
}
