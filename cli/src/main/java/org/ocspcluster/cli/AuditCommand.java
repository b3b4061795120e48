package org.ocspcluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code audit}: who changed what, when, from which revision to which, and how it ended. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Who changed what: every apply, rollback, assign-signer, refresh, host and rule verb and"
          + " controller leadership change, with the time, the caller, the revision before and"
          + " after, and the outcome.",
      "Against an array controller (or any process on the array): the array's trail in"
          + " ZooKeeper; otherwise, or while ZooKeeper is unreachable, the process's own file"
          + " (DATA/audit.jsonl)."
    })
final class AuditCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin AdminOption admin;

  @Option(
      names = "--limit",
      defaultValue = "50",
      paramLabel = "N",
      description = "the last N entries (default: ${DEFAULT-VALUE})")
  int limit;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var response = AdminClient.get(admin, "/audit?limit=" + limit);
    if (response.statusCode() != 200 || admin.json) {
      return AdminClient.report(response, admin, spec);
    }
    JsonNode read = new ObjectMapper().readTree(response.body());
    var out = spec.commandLine().getOut();
    out.println("audit trail from " + read.path("from").asText());
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"TIME", "REVISION", "VERB", "CALLER", "OUTCOME"});
    for (JsonNode e : read.path("entries")) {
      rows.add(
          new String[] {
            e.path("at").asText(),
            e.path("before").asText() + "->" + e.path("after").asText(),
            e.path("verb").asText(),
            e.path("caller").asText(),
            e.path("outcome").asText()
          });
    }
    QueryCommand.table(out, rows);
    out.flush();
    return 0;
  }
}
