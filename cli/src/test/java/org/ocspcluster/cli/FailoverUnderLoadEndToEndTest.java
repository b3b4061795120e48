package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.health.MemberHealth;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.testing.OcspRequests;

/**
 * Steady load through the balancer, one new connection per request, while the member this client is
 * sent to dies. New connections are retried on the other member; only requests already on the dead
 * member may fail, and they are counted.
 */
class FailoverUnderLoadEndToEndTest {
  static final int THREADS = 2;

  @TempDir Path dir;

  @Test
  void stoppingOneOfTwoMembersLosesNoNewConnection() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoPki pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    byte[] request =
        OcspRequests.request(OcspRequests.sha1(pki.ca(), pki.good().getSerialNumber()));
    try (Node cluster = new Node(ConfigLoader.load(dir.resolve(DemoCluster.CONFIG_FILE)))) {
      cluster.startAllMembers();
      cluster.startBalancer();
      await().atMost(Duration.ofSeconds(20)).until(() -> cluster.health().anyUp());

      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger answered = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      List<Thread> load = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Thread thread =
            new Thread(
                () -> {
                  for (int i = 0; i < 20_000 && running.get(); i++) {
                    if (ask(ports.cluster(), request)) {
                      answered.incrementAndGet();
                    } else {
                      failed.incrementAndGet();
                    }
                  }
                });
        thread.start();
        load.add(thread);
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() >= 200);
      String busy =
          cluster.balancer().query().members().stream()
              .filter(m -> m.activeConnections() > 0)
              .map(m -> m.name())
              .findFirst()
              .orElse("responder-1");
      int before = answered.get();
      long stoppedAt = System.nanoTime();
      cluster.stopMember(busy);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> cluster.health().health(busy).state() == MemberHealth.State.DOWN);
      long removal = (System.nanoTime() - stoppedAt) / 1_000_000;
      await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() >= before + 500);
      running.set(false);
      for (Thread thread : load) {
        thread.join();
      }
      System.out.printf(
          "failover: %s stopped; removed after %d ms (%s); %d answered, %d failed (in flight)%n",
          busy, removal, cluster.health().health(busy).reason(), answered.get(), failed.get());
      assertTrue(
          failed.get() <= THREADS,
          "only requests in flight on the dead member may fail: " + failed.get());
    }
  }

  /**
   * One OCSP POST on a new connection through the balancer; true when a successful OCSP answer came
   * back.
   */
  private static boolean ask(int port, byte[] body) {
    try {
      return new OCSPResp(Clients.postOnNewConnection(port, body)).getStatus()
          == OCSPResp.SUCCESSFUL;
    } catch (Exception e) {
      return false;
    }
  }
}
