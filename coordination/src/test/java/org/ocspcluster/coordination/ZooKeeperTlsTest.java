package org.ocspcluster.coordination;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The array over TLS to ZooKeeper's secure port: against the real server .ci/run starts with a TLS
 * port (OCSP_CLUSTER_ZOOKEEPER_TLS, its certificate in OCSP_CLUSTER_ZOOKEEPER_TLS_CA); skipped when
 * those are not set.
 */
class ZooKeeperTlsTest {
  @TempDir Path dir;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private CuratorFramework client(String connect, Path trust) throws Exception {
    CuratorFramework client = new ZooKeeperAccess(null, trust, null, null).client(connect);
    client.start();
    toClose.add(client);
    return client;
  }

  @Test
  void revisionsTravelOverTlsCheckedAgainstTheGivenTrustStore() throws Exception {
    String connect = System.getenv("OCSP_CLUSTER_ZOOKEEPER_TLS");
    String ca = System.getenv("OCSP_CLUSTER_ZOOKEEPER_TLS_CA");
    Assumptions.assumeTrue(
        connect != null && ca != null,
        "OCSP_CLUSTER_ZOOKEEPER_TLS(_CA) not set (.ci/run starts ZooKeeper with a TLS port)");
    CuratorFramework trusting = client(connect, Path.of(ca));
    assertTrue(trusting.blockUntilConnected(20, TimeUnit.SECONDS), "connected over TLS");
    ZooKeeperConfigStore store = new ZooKeeperConfigStore(trusting, "tls-" + System.nanoTime());
    toClose.add(store);
    store.append("a: 1\n", dir, "over TLS");
    assertEquals("a: 1\n", store.current().orElseThrow().yaml());

    // Another certificate as the only trust anchor: the handshake fails, no session.
    Path stranger = dir.resolve("stranger.p12");
    Path strangerPem = dir.resolve("stranger.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    assertEquals(
        0,
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "x",
                "-keyalg",
                "EC",
                "-dname",
                "CN=stranger",
                "-keystore",
                stranger.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit")
            .inheritIO()
            .start()
            .waitFor());
    assertEquals(
        0,
        new ProcessBuilder(
                keytool,
                "-exportcert",
                "-rfc",
                "-alias",
                "x",
                "-keystore",
                stranger.toString(),
                "-storepass",
                "changeit",
                "-file",
                strangerPem.toString())
            .inheritIO()
            .start()
            .waitFor());
    CuratorFramework distrusting = client(connect, strangerPem);
    assertFalse(
        distrusting.blockUntilConnected(3, TimeUnit.SECONDS),
        "a server the trust store does not vouch for is not talked to");
    assertTrue(store.connected());
  }
}
