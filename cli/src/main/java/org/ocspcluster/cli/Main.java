package org.ocspcluster.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
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
        "Highly available OCSP: responder members, an NLB-style balancer and metrics in one product.")
public final class Main implements Runnable {

  /** Every verb, in the order help lists them. */
  private static final List<Class<?>> VERBS =
      List.of(
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
          CommandLine.HelpCommand.class);

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
    // Netty's allocator events would start JFR's machinery at the first request (about 50 ms,
    // more on a busy machine) with no recording to take them; -Dio.netty.jfr.enabled=true brings
    // them back.
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    // Chosen before anything logs, since logging configures itself on first use.
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--log-format=json")
          || (args[i].equals("--log-format")
              && i + 1 < args.length
              && args[i + 1].equals("json"))) {
        System.setProperty(ConsoleLogging.FORMAT_PROPERTY, "json");
      }
    }
    System.exit(commandLine(args).execute(args));
  }

  /** The whole command tree: every verb. */
  static CommandLine commandLine() {
    return root(VERBS);
  }

  /**
   * The tree these arguments need: only the verb they name, when they name one (other than {@code
   * help}); else the whole tree. Building every verb's model is reflection over every command
   * class, a tenth of a second or more of a process's start that a restarting member waits for.
   */
  static CommandLine commandLine(String[] args) {
    // Only --log-format may come before the verb: with any other option first (--help, a
    // mistake), the whole tree answers.
    String verb = null;
    for (int i = 0; i < args.length && verb == null; i++) {
      if (args[i].equals("--log-format")) {
        i++;
      } else if (!args[i].startsWith("-")) {
        verb = args[i];
      } else if (!args[i].startsWith("--log-format=")) {
        return commandLine();
      }
    }
    if (verb != null && !verb.equals("help")) {
      for (Class<?> c : VERBS) {
        if (c.getAnnotation(Command.class).name().equals(verb)) {
          return root(List.of(c));
        }
      }
    }
    return commandLine();
  }

  private static CommandLine root(List<Class<?>> verbs) {
    CommandLine root = new CommandLine(new Main());
    for (Class<?> verb : verbs) {
      root.addSubcommand(verb);
    }
    return root.setExecutionExceptionHandler(
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
