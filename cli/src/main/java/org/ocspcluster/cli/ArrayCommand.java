package org.ocspcluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code array status|refresh}: the Online Responder array's view of its members. */
@Command(
    name = "array",
    mixinStandardHelpOptions = true,
    description =
        "The array: every member's configuration revision and the state of each revocation configuration.",
    subcommands = {
      ArrayCommand.Status.class,
      ArrayCommand.Refresh.class,
      ArrayCommand.AddMember.class,
      ArrayCommand.RemoveMember.class
    })
final class ArrayCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Every member, the revision it runs, and per revocation configuration: ok, revocation data not "
              + "yet retrieved, stale, or signer expired.")
  static final class Status implements Callable<Integer> {
    @picocli.CommandLine.Mixin AdminOption admin;

    @Option(names = "--json", description = "print the JSON the admin listener answers")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      var response = AdminClient.get(admin, "/array/status");
      if (response.statusCode() != 200 || json) {
        return AdminClient.report(response, spec);
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"MEMBER", "REVISION", "CONFIGURATION", "STATUS"});
      for (JsonNode member : new ObjectMapper().readTree(response.body())) {
        for (Map.Entry<String, JsonNode> c : member.get("configurations").properties()) {
          rows.add(
              new String[] {
                member.get("member").asText(),
                member.get("revision").asText(),
                c.getKey(),
                c.getValue().asText()
              });
        }
      }
      QueryCommand.table(spec.commandLine().getOut(), rows);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(
      name = "refresh",
      mixinStandardHelpOptions = true,
      description = "Refresh Revocation Data on every member of the array.")
  static final class Refresh extends RefreshCommand {}

  @Command(
      name = "add-member",
      mixinStandardHelpOptions = true,
      description =
          "Add Array Member: a new revision with NAME at ADDRESS; then start the member (ocsp-cluster member "
              + "--member NAME ...), and it receives the array's configuration.")
  static final class AddMember implements Callable<Integer> {
    @picocli.CommandLine.Parameters(paramLabel = "NAME", description = "the new member's name")
    String name;

    @Option(
        names = "--address",
        required = true,
        paramLabel = "HOST:PORT",
        description = "where it answers OCSP")
    String address;

    @Option(
        names = "--priority",
        paramLabel = "N",
        description = "its host priority (default: after the others)")
    Integer priority;

    @picocli.CommandLine.Mixin AdminOption admin;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      String query =
          "/array/add-member?name="
              + encode(name)
              + "&address="
              + encode(address)
              + (priority == null ? "" : "&priority=" + priority);
      return AdminClient.report(AdminClient.post(admin, query), spec);
    }
  }

  @Command(
      name = "remove-member",
      mixinStandardHelpOptions = true,
      description = "Remove Array Member: a new revision without NAME.")
  static final class RemoveMember implements Callable<Integer> {
    @picocli.CommandLine.Parameters(paramLabel = "NAME", description = "the member to remove")
    String name;

    @picocli.CommandLine.Mixin AdminOption admin;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return AdminClient.report(
          AdminClient.post(admin, "/array/remove-member?name=" + encode(name)), spec);
    }
  }

  static String encode(String text) {
    return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
  }
}
