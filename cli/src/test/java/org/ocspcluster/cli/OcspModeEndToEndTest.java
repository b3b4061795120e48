package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.testing.OcspRequests;

/**
 * A {@code mode: ocsp} rule in front of two real members, each a JVM of its own: under steady load
 * (a new connection per request, as OCSP clients do), the member taking the traffic is killed with
 * SIGKILL, started again, then frozen with SIGSTOP. Every request still gets a verified answer: the
 * balancer retries what the lost member held on the other one.
 */
class OcspModeEndToEndTest {
  static final int THREADS = 2;

  @TempDir Path dir;
  final Map<String, Process> members = new LinkedHashMap<>();
  final AtomicBoolean running = new AtomicBoolean(true);
  final AtomicInteger answered = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void stop() throws Exception {
    running.set(false);
    for (Process p : members.values()) {
      Clients.run(List.of("kill", "-CONT", Long.toString(p.pid())));
      p.destroyForcibly().waitFor();
    }
  }

  private Process startMember(String name) throws IOException {
    Process p =
        Clients.memberProcess(dir.resolve(DemoCluster.CONFIG_FILE), name, "-XX:+UseSerialGC");
    members.put(name, p);
    return p;
  }

  @Test
  void aMemberKilledOrFrozenUnderLoadCostsNoClientItsVerifiedAnswer() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoPki pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    // Single host: responder-1 takes every request while it answers, so the faults hit the traffic.
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "    filteringMode: multipleHost\n",
                "    filteringMode: singleHost\n    mode: ocsp\n    ocsp:\n      tryTimeout: 500ms\n"));
    byte[] request =
        OcspRequests.request(OcspRequests.sha1(pki.ca(), pki.good().getSerialNumber()));
    startMember("responder-1");
    startMember("responder-2");
    try (Node cluster = new Node(ConfigLoader.load(yaml))) {
      cluster.startBalancer();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  cluster.health().health("responder-1").state() == MemberHealth.State.UP
                      && cluster.health().health("responder-2").state() == MemberHealth.State.UP);

      // Independent clients through the rule: openssl verifies the answer, Java's PKIX checker
      // follows the certificate's AIA to the cluster.
      Clients.verifiedGood(dir, "http://127.0.0.1:" + ports.cluster());
      Clients.pkixValidate(dir.resolve("ca.pem"), dir.resolve("good.pem"));

      List<Thread> load = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Thread thread =
            new Thread(
                () -> {
                  while (running.get()) {
                    String problem = ask(ports.cluster(), request, pki.ca());
                    if (problem == null) {
                      answered.incrementAndGet();
                    } else {
                      failed.incrementAndGet();
                      failures.add(problem);
                    }
                  }
                });
        thread.start();
        load.add(thread);
      }
      awaitMoreAnswers(200);

      // kill -9 of the member taking the traffic: requests on it are retried on responder-2.
      Clients.run(List.of("kill", "-KILL", Long.toString(members.get("responder-1").pid())));
      awaitMoreAnswers(300);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> cluster.health().health("responder-1").state() == MemberHealth.State.DOWN);

      // Back again, it takes the traffic once its probes pass.
      startMember("responder-1");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> cluster.health().health("responder-1").state() == MemberHealth.State.UP);
      double before = answeredBy(cluster, "responder-1");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> answeredBy(cluster, "responder-1") > before);

      // SIGSTOP: it still accepts connections (the kernel does) but answers nothing.
      Clients.run(List.of("kill", "-STOP", Long.toString(members.get("responder-1").pid())));
      awaitMoreAnswers(300);
      Clients.run(List.of("kill", "-CONT", Long.toString(members.get("responder-1").pid())));
      awaitMoreAnswers(100);

      running.set(false);
      for (Thread thread : load) {
        thread.join();
      }
      double retries = sum(cluster, "nlb.ocsp.retries", "outcome", "sent");
      System.out.printf(
          "ocsp rule: %d answered, %d failed, %.0f retries%n",
          answered.get(), failed.get(), retries);
      assertEquals(List.of(), failures, "every request got its verified answer");
      assertTrue(retries > 0, "the faults were retried on the other member");
    }
  }

  private void awaitMoreAnswers(int more) {
    int target = answered.get() + more;
    await().atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= target);
  }

  private static double answeredBy(Node cluster, String member) {
    return sum(cluster, "nlb.ocsp.requests", "member", member, "result", "answered");
  }

  private static double sum(Node cluster, String name, String... tags) {
    return cluster.registry().find(name).tags(tags).counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  /**
   * One OCSP POST on a new connection through the balancer; null when the answer is `good`, signed
   * by a responder the CA certified, else what was wrong.
   */
  private static String ask(int port, byte[] body, X509CertificateHolder ca) {
    try {
      OCSPResp resp = new OCSPResp(Clients.postOnNewConnection(port, body));
      if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
        return "OCSP status " + resp.getStatus();
      }
      BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
      X509CertificateHolder signer = basic.getCerts()[0];
      var verifier = new JcaContentVerifierProviderBuilder();
      if (!signer.isSignatureValid(verifier.build(ca))
          || !basic.isSignatureValid(verifier.build(signer))) {
        return "signature does not verify";
      }
      if (basic.getResponses()[0].getCertStatus() != null) {
        return "not good";
      }
      return null;
    } catch (Exception e) {
      return e.toString();
    }
  }
}
