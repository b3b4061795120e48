package org.ocspcluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;

/**
 * A member with a signing credential of its own (enrolled with signer-request), the others with the
 * shared one.
 */
class MemberSignerEndToEndTest {
  @TempDir Path dir;

  @Test
  void aMemberSignsWithItsOwnCredentialWhenItHasOne() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Clients.Said enrol =
        Clients.cli(
            "signer-request",
            "--config",
            yaml.toString(),
            "--member",
            "responder-2",
            "--configuration",
            "demo",
            "--out",
            dir.resolve("enrol").toString());
    assertEquals(0, enrol.exit(), enrol.out());
    Clients.Run issued =
        Clients.run(
            List.of(
                "openssl",
                "x509",
                "-req",
                "-in",
                dir.resolve("enrol/demo-responder-2-signer.csr").toString(),
                "-CA",
                dir.resolve("ca.pem").toString(),
                "-CAkey",
                dir.resolve("ca.key").toString(),
                "-copy_extensions",
                "copy",
                "-days",
                "30",
                "-out",
                dir.resolve("enrol/responder-2.pem").toString()));
    assertEquals(0, issued.exit(), issued.out());
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                """
            priority: 2
        """,
                """
            priority: 2
            signers:
              demo:
                certificate: enrol/responder-2.pem
                key: enrol/demo-responder-2-signer.key
        """));
    try (Node cluster = new Node(ConfigLoader.load(yaml))) {
      cluster.startAllMembers();
      String own =
          Clients.openssl(
                  dir.resolve("ca.pem"),
                  "http://127.0.0.1:" + ports.member2() + "/",
                  "-cert",
                  dir.resolve("good.pem").toString(),
                  "-resp_text")
              .out();
      assertTrue(
          own.contains("responder-2 OCSP signer for demo") && own.contains("Response verify OK"),
          own);
      String shared =
          Clients.openssl(
                  dir.resolve("ca.pem"),
                  "http://127.0.0.1:" + ports.member1() + "/",
                  "-cert",
                  dir.resolve("good.pem").toString(),
                  "-resp_text")
              .out();
      assertFalse(shared.contains("responder-2 OCSP signer"), shared);
      assertTrue(shared.contains("Response verify OK"), shared);
    }
  }
}
