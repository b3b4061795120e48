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
      description = {
        "Every configured member: up, behind, refusing (with the reason), down (with when it was last"
            + " seen) or never started; the revision each runs and, per revocation configuration: ok,"
            + " revocation data not yet retrieved, stale, or signer expired. Then the balancers and"
            + " the controllers that follow the array.",
        "Exit status: 0 when every member and balancer runs the array's revision, 3 when not, 1 when"
            + " the controller could not be asked."
      })
  static final class Status implements Callable<Integer> {
    static final int NOT_CONVERGED = 3;

    @picocli.CommandLine.Mixin AdminOption admin;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      var response = AdminClient.get(admin, "/array/status");
      if (response.statusCode() != 200) {
        return AdminClient.report(response, admin, spec);
      }
      JsonNode status = new ObjectMapper().readTree(response.body());
      boolean converged = !status.has("converged") || status.get("converged").asBoolean();
      var out = spec.commandLine().getOut();
      if (admin.json) {
        out.print(response.body());
        out.flush();
        return converged ? 0 : NOT_CONVERGED;
      }
      if (status.has("zookeeper") && !status.get("zookeeper").asText().equals("connected")) {
        out.println("ZooKeeper " + status.get("zookeeper").asText());
        out.println("last known status:");
        status = status.path("lastKnown");
      }
      int revision = status.path("revision").asInt();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"MEMBER", "STATE", "REVISION", "CONFIGURATION", "STATUS"});
      for (JsonNode member : status.path("members")) {
        String state = member.path("state").asText("up");
        String runs = member.path("revision").asText("-");
        var configurations = member.path("configurations").properties();
        if (configurations.isEmpty()) {
          rows.add(new String[] {member.get("member").asText(), state, runs, "-", "-"});
        }
        for (Map.Entry<String, JsonNode> c : configurations) {
          rows.add(
              new String[] {
                member.get("member").asText(), state, runs, c.getKey(), c.getValue().asText()
              });
        }
      }
      out.println("array revision " + revision);
      QueryCommand.table(out, rows);
      for (JsonNode member : status.path("members")) {
        if (member.has("reason")) {
          out.println(member.get("member").asText() + " refuses: " + member.get("reason").asText());
        }
        if (member.has("lastSeen") && !member.get("lastSeen").isNull()) {
          out.println(
              member.get("member").asText() + " last seen " + member.get("lastSeen").asText());
        }
      }
      for (JsonNode b : status.path("balancers")) {
        out.println(
            "balancer "
                + b.get("balancer").asText()
                + ": "
                + b.path("state").asText()
                + ", revision "
                + b.path("revision").asText("-")
                + (b.has("reason") ? " (refuses: " + b.get("reason").asText() + ")" : "")
                + (b.has("lastSeen") ? " (last seen " + b.get("lastSeen").asText() + ")" : ""));
      }
      for (JsonNode c : status.path("controllers")) {
        out.println(
            "controller "
                + c.get("controller").asText()
                + ": "
                + (c.get("leader").asBoolean() ? "leader" : "standby"));
      }
      if (status.has("converged")) {
        out.println(
            converged
                ? "converged: every member runs revision " + revision
                : "NOT converged: see the members above that are not up on revision " + revision);
      }
      out.flush();
      return converged ? 0 : NOT_CONVERGED;
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
      return AdminClient.report(AdminClient.post(admin, query), admin, spec);
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
          AdminClient.post(admin, "/array/remove-member?name=" + encode(name)), admin, spec);
    }
  }

  static String encode(String text) {
    return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
  }
}
