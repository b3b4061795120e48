package org.ocspcluster.coordination;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An array created with credentials cannot be read or changed without them: on the real ZooKeeper
 * that .ci/run starts (OCSP_CLUSTER_ZOOKEEPER), else on Curator's in-process server.
 */
class ZooKeeperAccessTest {
  @TempDir Path dir;
  final List<AutoCloseable> toClose = new ArrayList<>();
  String connect;
  final String cluster = "acl-" + System.nanoTime();
  String base;

  @BeforeEach
  void start() throws Exception {
    connect = System.getenv("OCSP_CLUSTER_ZOOKEEPER");
    if (connect == null || connect.isBlank()) {
      TestingServer server = new TestingServer(true);
      toClose.add(server);
      connect = server.getConnectString();
    }
    base = "/ocsp-cluster/" + cluster;
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private CuratorFramework client(ZooKeeperAccess access) throws Exception {
    CuratorFramework client = access.client(connect);
    client.start();
    toClose.add(client);
    return client;
  }

  private Path credentials(String userAndPassword) throws Exception {
    Path file = dir.resolve(userAndPassword.substring(0, userAndPassword.indexOf(':')));
    Files.writeString(file, userAndPassword + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  @Test
  void withoutTheArraysCredentialsNobodyReadsOrChangesARevision() throws Exception {
    ZooKeeperAccess owner = new ZooKeeperAccess(credentials("ocsp:s3cret"), null, null, null);
    ZooKeeperConfigStore array = new ZooKeeperConfigStore(client(owner), cluster);
    toClose.add(array);
    array.append("signingKey: /etc/ocsp/signer.key\n", dir, "first");
    array.register("members", "m1", Map.of("revision", 1));
    String revision = base + "/revisions/0000000001";
    // The registration is created in the background.
    await().atMost(Duration.ofSeconds(10)).until(() -> array.members().containsKey("m1"));

    for (ZooKeeperAccess stranger :
        List.of(
            ZooKeeperAccess.OPEN,
            new ZooKeeperAccess(credentials("intruder:guess"), null, null, null))) {
      CuratorFramework other = client(stranger);
      assertThrows(KeeperException.NoAuthException.class, () -> other.getData().forPath(revision));
      assertThrows(
          KeeperException.NoAuthException.class,
          () -> other.setData().forPath(base + "/current", "1".getBytes(US_ASCII)));
      assertThrows(
          KeeperException.NoAuthException.class,
          () -> other.create().forPath(base + "/revisions/0000000002", new byte[0]));
      assertThrows(
          KeeperException.NoAuthException.class,
          () -> other.delete().forPath(base + "/members/m1"));
      assertThrows(KeeperException.NoAuthException.class, () -> other.getChildren().forPath(base));
    }
    array.requireOwnerOnly();
    // The owner still can, and a second process with the same credentials too.
    ZooKeeperConfigStore member = new ZooKeeperConfigStore(client(owner), cluster);
    toClose.add(member);
    assertEquals(1, member.current().orElseThrow().number());
    assertEquals(2, member.append("a: 2\n", dir, "second").number());
  }

  @Test
  void anArrayCreatedWithoutCredentialsIsNotTrustedByAProcessThatHasThem() throws Exception {
    ZooKeeperConfigStore open = new ZooKeeperConfigStore(client(ZooKeeperAccess.OPEN), cluster);
    toClose.add(open);
    open.append("a: 1\n", dir, "planted");
    ZooKeeperConfigStore owner =
        new ZooKeeperConfigStore(
            client(new ZooKeeperAccess(credentials("ocsp:s3cret"), null, null, null)), cluster);
    toClose.add(owner);
    var refused = assertThrows(java.io.IOException.class, owner::requireOwnerOnly);
    assertTrue(refused.getMessage().contains("open to anyone"), refused.getMessage());
  }

  @Test
  void aCredentialsFileWithoutAPasswordIsRefused() throws Exception {
    Path loose = dir.resolve("loose");
    Files.writeString(loose, "user-without-password\n");
    assertThrows(
        java.io.IOException.class,
        () -> new ZooKeeperAccess(loose, null, null, null).client(connect));
  }
}
