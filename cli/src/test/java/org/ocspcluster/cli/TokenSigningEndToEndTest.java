package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.testing.SoftHsm;

/**
 * A member whose signing key is in a SoftHSM2 token (a JVM of its own, opening the token through
 * SunPKCS11): openssl and Java's PKIX checker verify its answers through the cluster, with and
 * without a nonce. Started with a PIN the token refuses, it answers tryLater and is drained; once
 * the PIN file is right, it recovers by itself. A key that goes from the token while it runs is the
 * same: tryLater and drained, then recovery once the token holds one again.
 */
class TokenSigningEndToEndTest {
  @TempDir Path dir;
  Process member;

  @AfterEach
  void stop() throws Exception {
    if (member != null) {
      member.destroyForcibly().waitFor();
    }
  }

  @Test
  void answersSignedInTheTokenVerifyAndARefusedPinRecoversByItself() throws Exception {
    Assumptions.assumeTrue(SoftHsm.available(), "SoftHSM2 and OpenSC are not installed");
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoPki pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    SoftHsm token = SoftHsm.newToken(dir.resolve("hsm"), "2468");
    token.ocspSigner("ocsp-signer", pki.ca(), pki.caKeys());
    Path pinFile = token.pinFile();
    Files.writeString(pinFile, "0000\n"); // refused
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    String text = Files.readString(yaml);
    assertTrue(text.contains("    signingKey: ocsp-signer.key\n"), text);
    Files.writeString(
        yaml,
        text.replace("    signingCertificate: ocsp-signer.pem\n", "")
            .replace(
                "    signingKey: ocsp-signer.key\n",
                "    signingToken:\n" + token.yaml("      ", "ocsp-signer"))
            // One member: responder-2 is not started.
            .replaceAll("  - name: responder-2\n    address: [^\n]+\n    priority: 2\n", ""));
    member = Clients.memberProcess(yaml, "responder-1", "-Docsp.cluster.token.retry.millis=300");
    try (Node cluster = new Node(ConfigLoader.load(yaml))) {
      cluster.startBalancer();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> cluster.health().health("responder-1").reason().contains("tryLater"));
      assertTrue(
          Files.readString(dir.resolve("responder-1.log")).contains("refused the PIN"),
          "the member's log says why");
      // The same wrong PIN is not tried again (a hardware token would lock): it waits for a new
      // one.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  Files.readString(dir.resolve("responder-1.log"))
                      .contains("waiting for another PIN in the file"));

      Files.writeString(pinFile, token.pin() + "\n");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> cluster.health().health("responder-1").state() == MemberHealth.State.UP);
      assertTrue(
          Files.readString(dir.resolve("responder-1.log"))
              .contains("the signing token opens again"));

      String url = "http://127.0.0.1:" + ports.cluster();
      Clients.verifiedGood(dir, url); // with a nonce, signed on request
      Clients.verifiedGood(dir, url, "-no_nonce"); // pre-produced
      Clients.pkixValidate(dir.resolve("ca.pem"), dir.resolve("good.pem"));

      // The key goes from the token while the member runs: tryLater and drained, then, once the
      // token holds a key and certificate under the label again, it recovers by itself.
      token.deleteObjects("ocsp-signer");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  Clients.goodAnswerText(dir, ports.member1()).contains("Responder Error: trylater")
                      && cluster.health().health("responder-1").state() != MemberHealth.State.UP);
      assertTrue(
          Files.readString(dir.resolve("responder-1.log"))
              .contains("the signing token failed while signing"),
          "the member's log says why");
      token.ocspSigner("ocsp-signer", pki.ca(), pki.caKeys());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> cluster.health().health("responder-1").state() == MemberHealth.State.UP);
      Clients.verifiedGood(dir, url);
    }
  }
}
