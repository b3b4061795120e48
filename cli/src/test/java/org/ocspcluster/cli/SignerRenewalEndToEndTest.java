package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.testing.OcspRequests;
import org.ocspcluster.testing.SoftHsm;

/**
 * Signer renewal against a real CA: `openssl ca`, through the shipped helper (enrol/openssl-ca).
 * Under load, the signer due for renewal is renewed and swapped on every member without a failed
 * request; a helper that rejects leaves the old signer in force and counts the failures.
 */
class SignerRenewalEndToEndTest {
  static final Path HELPER = Path.of("..", "enrol", "openssl-ca").toAbsolutePath().normalize();

  @TempDir Path dir;
  Process member;

  @org.junit.jupiter.api.AfterEach
  void stopMember() throws Exception {
    if (member != null) {
      member.destroyForcibly().waitFor();
    }
  }

  @BeforeAll
  static void checkOften() {
    System.setProperty("ocsp.cluster.renewal.check.millis", "200");
  }

  /** An `openssl ca` set up over the demo CA's certificate and key. */
  private Path opensslCa() throws Exception {
    Path ca = dir.resolve("openssl-ca");
    Files.createDirectories(ca.resolve("newcerts"));
    Files.writeString(ca.resolve("index.txt"), "");
    Files.writeString(ca.resolve("serial"), "1000\n");
    Path cnf = ca.resolve("openssl.cnf");
    Files.writeString(
        cnf,
        """
        [ca]
        default_ca = demo
        [demo]
        dir = %s
        database = $dir/index.txt
        serial = $dir/serial
        new_certs_dir = $dir/newcerts
        certificate = %s
        private_key = %s
        default_md = sha256
        default_days = 800
        policy = anything
        unique_subject = no
        [anything]
        commonName = supplied
        organizationName = optional
        [ocsp_signer]
        basicConstraints = critical, CA:false
        keyUsage = critical, digitalSignature
        extendedKeyUsage = OCSPSigning
        1.3.6.1.5.5.7.48.1.5 = ASN1:NULL
        """
            .formatted(ca, dir.resolve("ca.pem"), dir.resolve("ca.key")));
    return cnf;
  }

  private Node start(DemoCluster.Ports ports, String renewal) throws Exception {
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace("    refreshInterval: 1m\n", "    refreshInterval: 1m\n" + renewal));
    Node cluster = new Node(ConfigLoader.load(yaml));
    cluster.useStore(
        new FolderConfigStore(dir.resolve("revisions")), Files.readString(yaml), dir, "test");
    cluster.startAllMembers();
    cluster.startBalancer();
    cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.health().anyUp());
    cluster.startSignerRenewal();
    return cluster;
  }

  /** openssl verifies an answer through the cluster, signed by the demo's own signer. */
  private void assertTheDemoSignerStillSigns(DemoCluster.Ports ports) throws Exception {
    Clients.Run openssl =
        Clients.openssl(
            dir.resolve("ca.pem"),
            "http://localhost:" + ports.cluster() + "/",
            "-cert",
            dir.resolve("good.pem").toString(),
            "-resp_text");
    assertTrue(openssl.out().contains("Response verify OK"), openssl.out());
    assertTrue(
        openssl.out().contains("Subject: CN=ocsp-cluster demo OCSP signer"),
        "the old signer still signs: " + openssl.out());
  }

  private static double renewals(Node cluster, String result) {
    var counter =
        cluster
            .registry()
            .find("ocsp.signer.renewal")
            .tags("configuration", "demo", "result", result)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aSignerDueForRenewalIsRenewedBySslCaAndSwappedUnderLoadWithoutAFailedRequest()
      throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoPki pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    BigInteger first = pki.signer().getSerialNumber();
    Path cnf = opensslCa();
    // The demo signer is valid a year: "renew 400 days before notAfter" makes it due now.
    try (Node cluster =
        start(
            ports,
            "    renewal:\n      before: 400d\n      helper: " + HELPER + " " + cnf + "\n")) {
      byte[] request =
          OcspRequests.requestWithNonce(
              new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
              OcspRequests.sha1(pki.ca(), pki.good().getSerialNumber()));
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger answered = new AtomicInteger();
      List<String> failures = Collections.synchronizedList(new ArrayList<>());
      List<BigInteger> signers = Collections.synchronizedList(new ArrayList<>());
      Thread load =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    OCSPResp resp =
                        new OCSPResp(Clients.postOnNewConnection(ports.cluster(), request));
                    BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
                    X509CertificateHolder signer = basic.getCerts()[0];
                    var verifier = new JcaContentVerifierProviderBuilder();
                    if (resp.getStatus() != OCSPResp.SUCCESSFUL
                        || !signer.isSignatureValid(verifier.build(pki.ca()))
                        || !basic.isSignatureValid(verifier.build(signer))) {
                      failures.add("not a verified answer");
                    } else {
                      signers.add(signer.getSerialNumber());
                      answered.incrementAndGet();
                    }
                  } catch (Exception e) {
                    failures.add(e.toString());
                  }
                }
              });
      load.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> renewals(cluster, "issued") == 1.0);
      int after = answered.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> answered.get() > after + 50);
      running.set(false);
      load.join();
      assertEquals(List.of(), failures, "no request failed across the swap");
      BigInteger last = signers.get(signers.size() - 1);
      assertNotEquals(first, last, "the answers are signed by the renewed signer");
      assertTrue(signers.contains(first), "and were by the old one before");
      // Renewed once: the new signer is valid 800 days, so it is not due again.
      assertEquals(1.0, renewals(cluster, "issued"));
      assertTrue(
          Files.readString(dir.resolve("openssl-ca/index.txt")).startsWith("V\t"),
          "openssl ca recorded what it issued");
    }
  }

  @Test
  void onTheArrayTheLeadingControllerRenewsAndEveryMemberSwitchesInOneRevision() throws Exception {
    int[] free = Clients.freePorts(5);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path cnf = opensslCa();
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "    refreshInterval: 1m\n",
                "    refreshInterval: 1m\n    renewal:\n      before: 400d\n      helper: "
                    + HELPER
                    + " "
                    + cnf
                    + "\n"));
    String connect = System.getenv("OCSP_CLUSTER_ZOOKEEPER");
    org.apache.curator.test.TestingServer inProcess = null;
    if (connect == null || connect.isBlank()) {
      inProcess = new org.apache.curator.test.TestingServer(true);
      connect = inProcess.getConnectString();
    }
    try (ArrayLab lab = new ArrayLab(connect, "renewal-" + System.nanoTime(), dir)) {
      if (inProcess != null) {
        lab.adopt(inProcess);
      }
      String admin = "127.0.0.1:" + free[4];
      Node controller = lab.controller(free[4], "controller-a");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> Clients.cli("config", "apply", yaml.toString(), "--admin", admin).exit() == 0);
      var one = lab.store().current().orElseThrow();
      lab.member("responder-1", one);
      lab.member("responder-2", one);
      controller.startSignerRenewal();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                var c = controller.registry().find("ocsp.signer.renewal").tags("result", "issued");
                return c.counter() != null && c.counter().count() == 1.0;
              });
      int renewed = lab.store().current().orElseThrow().number();
      assertEquals(one.number() + 1, renewed, "one revision for the renewal");
      // Both members sign with the renewed signer (asked directly, not through a balancer).
      for (int port : new int[] {ports.member1(), ports.member2()}) {
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    Clients.goodAnswerText(dir, port)
                        .contains("Subject: CN=demo OCSP signer for demo"));
      }
    }
  }

  @Test
  void aMembersOwnSignerIsRenewedOnThatMemberAloneWithoutARevision() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path cnf = opensslCa();
    String own = "";
    for (String member : new String[] {"responder-1", "responder-2"}) {
      Files.copy(dir.resolve("ocsp-signer.pem"), dir.resolve(member + ".pem"));
      Files.copy(dir.resolve("ocsp-signer.key"), dir.resolve(member + ".key"));
    }
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    for (String member : new String[] {"responder-1", "responder-2"}) {
      String priority = member.equals("responder-1") ? "priority: 1\n" : "priority: 2\n";
      own =
          Files.readString(yaml)
              .replace(
                  priority,
                  priority
                      + "    signers:\n      demo:\n        certificate: "
                      + member
                      + ".pem\n        key: "
                      + member
                      + ".key\n");
      Files.writeString(yaml, own);
    }
    assertTrue(own.contains("certificate: responder-2.pem"), own);
    try (Node cluster =
        start(
            ports,
            "    renewal:\n      before: 400d\n      helper: " + HELPER + " " + cnf + "\n")) {
      for (String member : new String[] {"responder-1", "responder-2"}) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  var c =
                      cluster
                          .registry()
                          .find("ocsp.signer.renewal")
                          .tags("configuration", "demo", "member", member, "result", "issued");
                  return c.counter() != null && c.counter().count() == 1.0;
                });
      }
      assertEquals(1, cluster.revision(), "renewed on the members: no revision");
      for (String member : new String[] {"responder-1", "responder-2"}) {
        int port = member.equals("responder-1") ? ports.member1() : ports.member2();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    Clients.goodAnswerText(dir, port)
                        .contains("Subject: CN=" + member + " OCSP signer for demo"));
        assertNotEquals(
            Files.readString(dir.resolve(member + ".pem")),
            Files.readString(dir.resolve(member + ".pem.previous")),
            "the member's files were replaced, the old ones kept");
      }
      assertEquals(
          2L,
          Files.readString(dir.resolve("openssl-ca/index.txt")).lines().count(),
          "one certificate per member");
      // The shared signer nobody uses any more is not renewed.
      assertEquals(
          Files.readString(dir.resolve("ocsp-signer.pem")),
          Files.readString(dir.resolve("responder-1.pem.previous")));
    }
  }

  @Test
  void aMembersOwnKeyInATokenIsRenewedInTheTokenAndTakesOverItsLabel() throws Exception {
    Assumptions.assumeTrue(SoftHsm.available(), "SoftHSM2 and OpenSC are not installed");
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoPki pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path cnf = opensslCa();
    SoftHsm token = SoftHsm.newToken(dir.resolve("hsm"), "2468");
    token.ocspSigner(
        "ocsp-signer",
        pki.ca(),
        pki.caKeys()); // valid 30 days from an hour ago: due now at 30d before
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replaceAll("  - name: responder-2\n    address: [^\n]+\n    priority: 2\n", "")
            .replace(
                "priority: 1\n",
                "priority: 1\n    signers:\n      demo:\n        token:\n"
                    + token.yaml("          ", "ocsp-signer"))
            .replace(
                "    refreshInterval: 1m\n",
                "    refreshInterval: 1m\n    renewal:\n      before: 30d\n      helper: "
                    + HELPER
                    + " "
                    + cnf
                    + "\n"));
    String renewed = "Subject: CN=responder-1 OCSP signer for demo";
    String[] options = {"-Docsp.cluster.renewal.check.millis=200"};
    member = Clients.memberProcess(yaml, "responder-1", options);
    try (Node cluster = new Node(ConfigLoader.load(yaml))) {
      cluster.startBalancer();
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> Clients.goodAnswerText(dir, ports.member1()).contains(renewed));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError(
            "not renewed; the member said: " + Files.readString(dir.resolve("responder-1.log")), e);
      }
      // Signing with the new key comes first; the label is taken over just after.
      Path log = dir.resolve("responder-1.log");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> Files.readString(log).contains("is the new one; the old one is destroyed"));
      assertTrue(Files.readString(log).contains("a new key is made in the token"));
      Clients.verifiedGood(dir, "http://127.0.0.1:" + ports.cluster());
      Clients.pkixValidate(dir.resolve("ca.pem"), dir.resolve("good.pem"));

      // The token's label now names the new key: a member started again signs with it.
      member.destroyForcibly().waitFor();
      member = Clients.memberProcess(yaml, "responder-1", options);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Clients.goodAnswerText(dir, ports.member1()).contains(renewed));
      assertEquals(
          1L,
          Files.readString(dir.resolve("openssl-ca/index.txt")).lines().count(),
          "renewed once: the new certificate is not due");
    }
  }

  @Test
  void aKeyInATokenEveryMemberSharesIsRenewedInTheTokenAndSwitchedInOneRevision() throws Exception {
    Assumptions.assumeTrue(SoftHsm.available(), "SoftHSM2 and OpenSC are not installed");
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoPki pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path cnf = opensslCa();
    SoftHsm token = SoftHsm.newToken(dir.resolve("hsm"), "2468");
    token.ocspSigner("ocsp-signer", pki.ca(), pki.caKeys()); // valid 30 days from an hour ago
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace("    signingCertificate: ocsp-signer.pem\n", "")
            .replace(
                "    signingKey: ocsp-signer.key\n",
                "    signingToken:\n" + token.yaml("      ", "ocsp-signer"))
            .replace(
                "    refreshInterval: 1m\n",
                "    refreshInterval: 1m\n    renewal:\n      before: 30d\n      helper: "
                    + HELPER
                    + " "
                    + cnf
                    + "\n"));
    Path log = dir.resolve("up.log");
    member =
        Clients.process(
            log,
            List.of("-Docsp.cluster.renewal.check.millis=200"),
            "up",
            "--config",
            yaml.toString(),
            "--data",
            dir.resolve("data").toString());
    String renewed = "Subject: CN=demo OCSP signer for demo";
    try {
      for (int port : new int[] {ports.member1(), ports.member2()}) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> Clients.goodAnswerText(dir, port).contains(renewed));
      }
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("not renewed; up said: " + Files.readString(log), e);
    }
    String said = Files.readString(log);
    assertTrue(said.contains("in force on every member, revision 2"), said);
    assertTrue(said.contains("the old key \"ocsp-signer\" stays there until you destroy it"), said);
    Clients.verifiedGood(dir, "http://127.0.0.1:" + ports.cluster());
    Clients.pkixValidate(dir.resolve("ca.pem"), dir.resolve("good.pem"));
  }

  @Test
  void aCertificateIssuedForLessThanBeforeIsRefusedNotRenewedAgainAndAgain() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path cnf = opensslCa();
    // 30 days from the CA, renewal 400 days before notAfter: the new one would be due at once.
    try (Node cluster =
        start(
            ports,
            "    renewal:\n      before: 400d\n      helper: "
                + HELPER
                + " "
                + cnf
                + " ocsp_signer 30\n      retry: 1h\n")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> renewals(cluster, "failed") >= 1.0);
      assertEquals(0.0, renewals(cluster, "issued"));
      assertEquals(1, cluster.revision(), "no revision was made");
      assertTheDemoSignerStillSigns(ports);
    }
  }

  @Test
  void aCaStillWorkingOnTheRequestIsAskedAgainWithItsCookieNotSentANewOne() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path cnf = opensslCa();
    Path calls = dir.resolve("helper.calls");
    Path approved = dir.resolve("approved");
    Path helper = dir.resolve("approving-helper");
    // A CA that approves by hand: it takes the request, gives a ticket, and issues once approved.
    Files.writeString(
        helper,
        """
        #!/bin/sh
        echo "$CERTMONGER_OPERATION $CERTMONGER_CA_COOKIE" >> %s
        case "$CERTMONGER_OPERATION" in
          SUBMIT) echo ticket-42; exit 1 ;;
          POLL)
            if [ "$CERTMONGER_CA_COOKIE" = ticket-42 ] && [ -e %s ]; then
              CERTMONGER_OPERATION=SUBMIT exec %s %s
            fi
            echo ticket-42; exit 1 ;;
        esac
        exit 6
        """
            .formatted(calls, approved, HELPER, cnf));
    helper.toFile().setExecutable(true);
    try (Node cluster =
        start(
            ports,
            "    renewal:\n      before: 400d\n      helper: "
                + helper
                + "\n      retry: 200ms\n")) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Files.exists(calls)
                      && Files.readAllLines(calls).stream()
                              .filter(l -> l.startsWith("POLL"))
                              .count()
                          >= 2);
      assertEquals(1.0, renewals(cluster, "pending"), "one request the CA took");
      assertEquals(
          0.0,
          cluster
              .registry()
              .find("ocsp.signer.renewal.failures")
              .tag("configuration", "demo")
              .gauge()
              .value(),
          "a CA working on the request is not a failure");
      assertTheDemoSignerStillSigns(ports);
      Files.createFile(approved);
      await().atMost(Duration.ofSeconds(30)).until(() -> renewals(cluster, "issued") == 1.0);
      List<String> said = Files.readAllLines(calls);
      assertEquals(1L, said.stream().filter(l -> l.startsWith("SUBMIT")).count(), said.toString());
      assertTrue(said.stream().skip(1).allMatch(l -> l.equals("POLL ticket-42")), said.toString());
      assertEquals(2, cluster.revision(), "the renewed signer in force");
    }
  }

  @Test
  void aHelperThatRejectsLeavesTheOldSignerInForceAndCountsTheFailures() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path refusing = dir.resolve("refusing-helper");
    Files.writeString(refusing, "#!/bin/sh\necho 'policy: no OCSP signers today'\nexit 2\n");
    refusing.toFile().setExecutable(true);
    try (Node cluster =
        start(
            ports,
            "    renewal:\n      before: 400d\n      helper: "
                + refusing
                + "\n      retry: 200ms\n")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> renewals(cluster, "rejected") >= 2.0);
      assertTrue(
          cluster
                  .registry()
                  .find("ocsp.signer.renewal.failures")
                  .tag("configuration", "demo")
                  .gauge()
                  .value()
              >= 2.0);
      assertTheDemoSignerStillSigns(ports);
      try (var files = Files.list(dir.resolve("renewed"))) {
        assertEquals(List.of(), files.toList(), "no key of a refused request is left behind");
      }
    }
  }
}
