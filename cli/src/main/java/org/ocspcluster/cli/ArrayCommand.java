package org.ocspcluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code array status|refresh}: the Online Responder array's view of its members. */
@Command(name = "array", mixinStandardHelpOptions = true,
    description = "The array: every member's configuration revision and the state of each revocation configuration.",
    subcommands = {ArrayCommand.Status.class, ArrayCommand.Refresh.class})
final class ArrayCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Every member, the revision it runs, and per revocation configuration: ok, revocation data not "
          + "yet retrieved, stale, or signer expired.")
  static final class Status implements Callable<Integer> {
    @Option(names = "--admin", defaultValue = "127.0.0.1:9464", paramLabel = "HOST:PORT",
        description = "the admin listener of the process running the members (default: ${DEFAULT-VALUE})")
    String admin;

    @Option(names = "--json", description = "print the JSON the admin listener answers")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      var response = AdminClient.get(admin, "/array/status");
      if (response.statusCode() != 200 || json) {
        return AdminClient.report(response, spec);
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"MEMBER", "REVISION", "CONFIGURATION", "STATUS"});
      for (JsonNode member : new ObjectMapper().readTree(response.body())) {
        Iterator<Map.Entry<String, JsonNode>> configurations = member.get("configurations").fields();
        while (configurations.hasNext()) {
          Map.Entry<String, JsonNode> c = configurations.next();
          rows.add(new String[] {member.get("member").asText(), member.get("revision").asText(), c.getKey(),
              c.getValue().asText()});
        }
      }
      QueryCommand.table(spec.commandLine().getOut(), rows);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "refresh", mixinStandardHelpOptions = true,
      description = "Refresh Revocation Data on every member of the array.")
  static final class Refresh extends RefreshCommand {}
}
