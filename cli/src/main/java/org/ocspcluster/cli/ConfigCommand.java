package org.ocspcluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ocspcluster.config.ClusterConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code config apply|show|history|rollback}: the array's configuration, as numbered revisions. */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description =
        "The running cluster's configuration, kept as numbered revisions by the process that runs it.",
    subcommands = {
      ConfigCommand.Apply.class,
      ConfigCommand.Show.class,
      ConfigCommand.History.class,
      ConfigCommand.Rollback.class
    })
final class ConfigCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  abstract static class Verb implements Callable<Integer> {
    @picocli.CommandLine.Mixin AdminOption admin;

    @Spec CommandSpec spec;
  }

  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      description =
          "Validates FILE and applies it to every part of the running cluster without a restart, as a new "
              + "revision; a refused file leaves the running revision in force and says why.")
  static final class Apply extends Verb {
    @Parameters(paramLabel = "FILE", description = "the new cluster.yaml")
    Path file;

    @Override
    public Integer call() throws Exception {
      // Checked here first, so that the answer names this file and its fields.
      ClusterConfig checked = Configs.load(file, spec.commandLine().getErr());
      if (checked == null) {
        return Main.CONFIG_ERROR;
      }
      Path absolute = file.toAbsolutePath().normalize();
      String query =
          "/config?baseDir="
              + URLEncoder.encode(absolute.getParent().toString(), StandardCharsets.UTF_8)
              + "&source="
              + URLEncoder.encode("config apply " + absolute, StandardCharsets.UTF_8);
      return AdminClient.report(
          AdminClient.post(admin, query, Files.readString(file)), admin, spec);
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Prints the revision in force (or REV).")
  static final class Show extends Verb {
    @Option(
        names = "--revision",
        paramLabel = "REV",
        description = "another revision than the one in force")
    Integer revision;

    @Override
    public Integer call() throws Exception {
      var response =
          AdminClient.get(admin, "/config" + (revision == null ? "" : "?revision=" + revision));
      if (response.statusCode() != 200 || admin.json) {
        return AdminClient.report(response, admin, spec);
      }
      JsonNode r = new ObjectMapper().readTree(response.body());
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "# revision %d%s, applied %s by %s; relative paths from %s%n",
          r.get("revision").asInt(),
          r.get("current").asBoolean() ? " (in force)" : "",
          r.get("appliedAt").asText(),
          r.get("source").asText(),
          r.get("baseDir").asText());
      out.print(r.get("yaml").asText());
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = "Lists every revision, oldest first.")
  static final class History extends Verb {
    @Override
    public Integer call() throws Exception {
      var response = AdminClient.get(admin, "/config/history");
      if (response.statusCode() != 200 || admin.json) {
        return AdminClient.report(response, admin, spec);
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"REVISION", "", "APPLIED", "SOURCE"});
      for (JsonNode r : new ObjectMapper().readTree(response.body())) {
        rows.add(
            new String[] {
              r.get("revision").asText(),
              r.get("current").asBoolean() ? "in force" : "",
              r.get("appliedAt").asText(),
              r.get("source").asText()
            });
      }
      QueryCommand.table(spec.commandLine().getOut(), rows);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = "Applies an earlier revision's text again, as a new revision.")
  static final class Rollback extends Verb {
    @Parameters(paramLabel = "REV", description = "the revision to go back to")
    int revision;

    @Override
    public Integer call() throws Exception {
      return AdminClient.report(
          AdminClient.post(admin, "/config/rollback?revision=" + revision), admin, spec);
    }
  }
}
