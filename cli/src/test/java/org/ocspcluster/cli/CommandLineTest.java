package org.ocspcluster.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineTest {
  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void answersArePrintedForPeopleUnlessJsonIsAskedFor() {
    assertEquals(
        "revision 3 in force (config apply /etc/cluster.yaml)\n",
        AdminClient.readable("{\"revision\":3,\"source\":\"config apply /etc/cluster.yaml\"}"));
    assertEquals(
        "responder-1:\n  demo: loaded\n  second: refused\n",
        AdminClient.readable("{\"responder-1\":{\"demo\":\"loaded\",\"second\":\"refused\"}}"));
    assertEquals("not JSON: said as it is\n", AdminClient.readable("not JSON: said as it is\n"));
  }

  @Test
  void aZooKeeperCredentialsFileOthersCanReadIsRefusedWithTheFix() throws Exception {
    Path loose = dir.resolve("zk.cred");
    Files.writeString(loose, "ocsp:secret\n");
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    StringWriter err = new StringWriter();
    var cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    int exit =
        cli.execute(
            "controller",
            "--zookeeper",
            "127.0.0.1:1",
            "--zookeeper-credentials",
            loose.toString());
    assertEquals(Main.CONFIG_ERROR, exit, err.toString());
    assertTrue(err.toString().contains("run chmod 600 " + loose), err.toString());
  }

  @Test
  void demoPkiWritesEveryFileAndKeysReadableByTheOwnerOnly() throws Exception {
    assertEquals(
        0, run("demo-pki", "--out", dir.toString(), "--port", "18080", "--key-type", "rsa"));
    for (String name :
        new String[] {
          "ca.pem",
          "good.pem",
          "revoked.pem",
          "ca.crl",
          "cluster.yaml",
          "ocsp-signer.pem",
          "ocsp-signer.key"
        }) {
      assertTrue(Files.isRegularFile(dir.resolve(name)), name);
    }
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir.resolve("ocsp-signer.key"))));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))));
    assertTrue(Files.readString(dir.resolve("cluster.yaml")).contains("ports: 18080"));
  }

  @Test
  void checkConfigAcceptsTheDemoAndSummarisesIt() {
    run("demo-pki", "--out", dir.toString());
    assertEquals(0, run("check-config", dir.resolve("cluster.yaml").toString()), err.toString());
    assertTrue(
        out.toString().contains("member responder-2 at 127.0.0.1:8082, priority 2"),
        out.toString());
  }

  @Test
  void checkConfigSaysWhatShareAMemberLeftOutOfLoadWeightsGets() throws Exception {
    run("demo-pki", "--out", dir.toString());
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(
        file,
        Files.readString(file)
            .replace(
                "    affinity: single\n",
                "    affinity: single\n    loadWeights: {responder-1: 80, responder-2: 20}\n")
            .replace(
                "revocationConfigurations:",
                "  - name: responder-3\n    address: 127.0.0.1:8083\n    priority: 3\n"
                    + "revocationConfigurations:"));
    assertEquals(0, run("check-config", file.toString()), err.toString());
    assertTrue(
        out.toString().contains("shares responder-1 40%, responder-2 10%, responder-3 50%"),
        out.toString());
    assertTrue(
        out.toString()
            .contains(
                "warning: portRules[0].loadWeights: leaves out member responder-3, which takes the"
                    + " default weight 100 (50% of rule ocsp-http's new connections); list it"),
        out.toString());
  }

  @Test
  void checkConfigRefusesABadFileWithFileFieldAndReasonAndExitsTwo() throws Exception {
    run("demo-pki", "--out", dir.toString());
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(
        file, Files.readString(file).replace("address: 127.0.0.1:8082", "address: nowhere"));
    assertEquals(2, run("check-config", file.toString()));
    assertTrue(
        err.toString()
            .contains(file.toAbsolutePath() + ": members[1].address: 'nowhere' is not HOST:PORT"),
        err.toString());
  }

  @Test
  void logFormatJsonWritesOneJsonObjectPerLine() throws Exception {
    int[] free = Clients.freePorts(4);
    org.ocspcluster.cli.demo.DemoCluster.write(
        dir,
        "localhost",
        new org.ocspcluster.cli.demo.DemoCluster.Ports(free[0], free[1], free[2], free[3]),
        org.ocspcluster.pki.DemoPki.KeyType.EC);
    Process process =
        new ProcessBuilder(
                System.getProperty("java.home") + "/bin/java",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--log-format",
                "json",
                "responder",
                "--config",
                dir.resolve("cluster.yaml").toString(),
                "--member",
                "responder-1")
            .redirectErrorStream(true)
            .start();
    try (var lines =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(process.getInputStream(), UTF_8))) {
      String line = lines.readLine();
      while (line != null && !line.contains("ready")) {
        assertTrue(line.startsWith("{") && line.endsWith("}"), "not a JSON line: " + line);
        line = lines.readLine();
      }
      assertTrue(line != null, "the member said it was ready");
      var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
      assertEquals("INFO", json.get("level").asText());
      assertTrue(
          json.get("formattedMessage").asText().startsWith("member responder-1 ready"), line);
    } finally {
      process.destroy();
      assertTrue(process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "stopped on SIGTERM");
    }
  }

  @Test
  void versionIsTheOneTheBuildWroteNotADevelopmentBuild() {
    assertEquals(0, run("--version"));
    assertTrue(out.toString().strip().matches("ocsp-cluster \\d+\\.\\d+\\.\\d+.*"), out.toString());
  }

  @Test
  void aVerbBuiltAloneParsesAndHelpsAsInTheWholeTree() {
    for (String[] args :
        new String[][] {
          {"responder", "--help"},
          {"--log-format", "json", "balancer", "--help"},
          {"array", "member", "--help"},
          {"responder", "--no-such-option"},
          {"respondr"},
          {"help", "responder"},
          {"--help", "responder"},
          {"--log-format=json", "responder", "--help"},
          {"-x", "responder"}
        }) {
      StringWriter whole = new StringWriter();
      StringWriter alone = new StringWriter();
      CommandLine wholeTree = Main.commandLine();
      wholeTree.setOut(new PrintWriter(whole, true));
      wholeTree.setErr(new PrintWriter(whole, true));
      CommandLine forArgs = Main.commandLine(args);
      forArgs.setOut(new PrintWriter(alone, true));
      forArgs.setErr(new PrintWriter(alone, true));
      assertEquals(wholeTree.execute(args), forArgs.execute(args), String.join(" ", args));
      assertEquals(whole.toString(), alone.toString(), String.join(" ", args));
    }
    assertEquals(1, Main.commandLine(new String[] {"responder"}).getSubcommands().size());
  }

  @Test
  void everyCommandHasHelp() {
    for (String command :
        new String[] {
          "up",
          "demo-pki",
          "responder",
          "balancer",
          "check-config",
          "query",
          "config",
          "array",
          "controller",
          "member",
          "refresh",
          "assign-signer",
          "signer-request",
          "start",
          "stop",
          "drainstop",
          "suspend",
          "resume",
          "enable",
          "disable",
          "drain"
        }) {
      assertEquals(0, run(command, "--help"), command);
    }
    assertTrue(out.toString().contains("Usage: ocsp-cluster up"), out.toString());
  }

  @Test
  void memberVerbsAskForAMemberAndRuleVerbsForARule() {
    assertEquals(0, run("drainstop", "--help"));
    assertTrue(out.toString().contains("MEMBER"), out.toString());
    assertFalse(out.toString().contains("port rule"), out.toString());
    out.getBuffer().setLength(0);
    assertEquals(0, run("drain", "--help"));
    assertTrue(out.toString().contains("RULE"), out.toString());
  }
}
