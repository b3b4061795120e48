package org.ocspcluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description =
        "Shows the cluster as nlb.exe query does: every member with its host state, health, last reason "
            + "and open connections, and every port rule with its state and who handles it.")
final class QueryCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin AdminOption admin;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var response = AdminClient.get(admin, "/query");
    PrintWriter out = spec.commandLine().getOut();
    if (response.statusCode() != 200) {
      spec.commandLine().getErr().print(response.body());
      spec.commandLine().getErr().flush();
      return 1;
    }
    if (admin.json) {
      out.print(response.body());
      out.flush();
      return 0;
    }
    JsonNode q = new ObjectMapper().readTree(response.body());
    out.printf(
        "cluster %s (%s) on %s, %s transport%n%n",
        q.get("cluster").asText(),
        q.get("fqdn").asText(),
        q.get("clusterIps"),
        q.get("transport").asText());
    if (!q.path("panic").isNull() && !q.path("panic").isMissingNode()) {
      out.printf("PANIC: %s%n%n", q.get("panic").asText());
    }
    List<String[]> members = new ArrayList<>();
    members.add(
        new String[] {"MEMBER", "ADDRESS", "PRIORITY", "STATE", "HEALTH", "CONNECTIONS", "REASON"});
    for (JsonNode m : q.get("members")) {
      members.add(
          new String[] {
            m.get("name").asText(),
            m.get("address").asText(),
            m.get("priority").asText(),
            m.get("state").asText(),
            m.get("health").asText(),
            m.get("activeConnections").asText(),
            m.get("reason").asText()
          });
    }
    table(out, members);
    out.println();
    List<String[]> rules = new ArrayList<>();
    rules.add(
        new String[] {
          "RULE",
          "CLUSTER IP",
          "PORTS",
          "PROTOCOL",
          "MODE",
          "FILTERING",
          "AFFINITY",
          "STATE",
          "HANDLED BY"
        });
    for (JsonNode r : q.get("rules")) {
      rules.add(
          new String[] {
            r.get("name").asText(),
            r.get("clusterIp").asText(),
            r.get("ports").asText(),
            r.get("protocol").asText(),
            r.path("mode").asText("tcp"),
            r.get("filteringMode").asText(),
            r.get("affinity").asText(),
            r.get("state").asText(),
            r.get("handledBy").asText()
          });
    }
    table(out, rules);
    if (q.has("frontEnds")) {
      out.println();
      List<String[]> frontEnds = new ArrayList<>();
      frontEnds.add(new String[] {"FRONT END", "FAILOVER", "ROLE", "SINCE", "REASON"});
      for (JsonNode f : q.get("frontEnds")) {
        frontEnds.add(
            new String[] {
              f.path("name").asText(),
              f.path("failover").asText(),
              f.path("role").asText(),
              f.path("since").asText("-"),
              f.path("reason").asText()
            });
      }
      table(out, frontEnds);
    }
    out.flush();
    return 0;
  }

  static void table(PrintWriter out, List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(
            i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
