package org.ocspcluster.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The nlb.exe verbs for members and port rules, each a POST to the balancer's admin listener. */
final class HostVerbs {
  private HostVerbs() {}

  abstract static class Verb implements Callable<Integer> {
    @picocli.CommandLine.Mixin AdminOption admin;

    @Spec CommandSpec spec;

    abstract String path();

    /** The member or rule the verb is for. */
    abstract String name();

    @Override
    public Integer call() throws Exception {
      String verb = spec.name();
      var response =
          AdminClient.post(
              admin, path() + URLEncoder.encode(name(), StandardCharsets.UTF_8) + "/" + verb);
      if (admin.json) {
        return AdminClient.report(response, admin, spec);
      }
      if (response.statusCode() == 200) {
        spec.commandLine()
            .getOut()
            .println(
                new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(response.body())
                    .get("message")
                    .asText());
      } else {
        spec.commandLine().getErr().print(response.body());
      }
      spec.commandLine().getOut().flush();
      spec.commandLine().getErr().flush();
      return response.statusCode() == 200 ? 0 : 1;
    }
  }

  abstract static class MemberVerb extends Verb {
    @Parameters(
        paramLabel = "MEMBER",
        description = "the member, as named in cluster.yaml (members[].name)")
    String member;

    @Override
    String path() {
      return "/members/";
    }

    @Override
    String name() {
      return member;
    }
  }

  abstract static class RuleVerb extends Verb {
    @Parameters(
        paramLabel = "RULE",
        description = "the port rule, as named in cluster.yaml (portRules[].name)")
    String rule;

    @Override
    String path() {
      return "/rules/";
    }

    @Override
    String name() {
      return rule;
    }
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Member joins load handling.")
  static final class Start extends MemberVerb {}

  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Member leaves load handling at once; its connections are closed.")
  static final class Stop extends MemberVerb {}

  @Command(
      name = "drainstop",
      mixinStandardHelpOptions = true,
      description =
          "Member takes no new connections; open ones finish (closed at balancer.drainTimeout), then it is stopped.")
  static final class Drainstop extends MemberVerb {}

  @Command(
      name = "suspend",
      mixinStandardHelpOptions = true,
      description =
          "Member leaves cluster operations until resumed (kept across restarts with retainSuspended).")
  static final class Suspend extends MemberVerb {}

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Suspended member comes back, stopped; start it to take traffic.")
  static final class Resume extends MemberVerb {}

  @Command(
      name = "enable",
      mixinStandardHelpOptions = true,
      description = "Port rule takes connections again.")
  static final class Enable extends RuleVerb {}

  @Command(
      name = "disable",
      mixinStandardHelpOptions = true,
      description = "Port rule refuses connections; its open connections are closed.")
  static final class Disable extends RuleVerb {}

  @Command(
      name = "drain",
      mixinStandardHelpOptions = true,
      description = "Port rule refuses new connections; open ones continue.")
  static final class Drain extends RuleVerb {}
}
