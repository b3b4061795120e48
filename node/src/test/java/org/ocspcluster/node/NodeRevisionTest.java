package org.ocspcluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.coordination.ConfigStore;
import org.ocspcluster.coordination.FolderConfigStore;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.testing.FreePorts;

/** A process's parts change through the revision path only: whole, or not at all. */
class NodeRevisionTest {
  @TempDir Path dir;

  /** A folder store whose appends can be made to fail, as a full disk or a lost ZooKeeper would. */
  static final class FailingStore implements ConfigStore {
    private final FolderConfigStore folder;
    volatile boolean failing;

    FailingStore(Path dir) {
      this.folder = new FolderConfigStore(dir);
    }

    @Override
    public Optional<Revision> current() throws IOException {
      return folder.current();
    }

    @Override
    public Optional<Revision> get(int number) throws IOException {
      return folder.get(number);
    }

    @Override
    public List<Revision> history() throws IOException {
      return folder.history();
    }

    @Override
    public Revision append(String yaml, Path baseDir, String source) throws IOException {
      if (failing) {
        throw new IOException("no space left on device");
      }
      return folder.append(yaml, baseDir, source);
    }
  }

  @Test
  void aRevisionWhoseStoreFailsChangesNothingOnAnyPart() throws Exception {
    int[] ports = FreePorts.take(4);
    DemoPki.create("localhost", ports[0], DemoPki.KeyType.EC).writeTo(dir);
    DemoPki.create("localhost", ports[0], DemoPki.KeyType.EC).writeTo(dir.resolve("second"));
    String first = yaml(ports, false);
    Files.writeString(dir.resolve("cluster.yaml"), first);
    ClusterConfig config = ConfigLoader.load(dir.resolve("cluster.yaml"));
    FailingStore store = new FailingStore(dir.resolve("revisions"));
    try (Node node = new Node(config)) {
      node.useStore(store, first, dir, "test");
      node.startAllMembers();
      node.startBalancer();
      assertEquals(1, node.revision());

      store.failing = true;
      Outcome outcome = node.apply(yaml(ports, true), dir, "test: a second CA and a third member");

      assertFalse(outcome.applied());
      assertEquals(Outcome.Refusal.NOT_STORED, outcome.refusal());
      assertTrue(outcome.reason().contains("no space left on device"), outcome.reason());
      assertEquals(1, node.revision());
      assertSame(config, node.config());
      assertEquals(2, node.memberAddresses().size(), "the joining member was stopped again");
      assertThrows(
          IOException.class,
          () -> new Socket("127.0.0.1", ports[3]).close(),
          "nothing listens at the joining member's address");
      assertEquals(2, node.balancer().query().members().size(), "the balancer did not follow");
      assertEquals(
          Map.of("demo", "ok"),
          node.memberStatus().get(0).get("configurations"),
          "the members still serve only the first CA");

      store.failing = false;
      Outcome applied = node.apply(yaml(ports, true), dir, "test: again, the store works");
      assertTrue(applied.applied(), String.valueOf(applied.reason()));
      assertEquals(2, applied.revision());
      assertEquals(3, node.memberAddresses().size());
      assertEquals(3, node.balancer().query().members().size());
      assertEquals(
          Map.of("demo", "ok", "second", "ok"), node.memberStatus().get(0).get("configurations"));
    }
  }

  @Test
  void aRevisionNamingAFileAMemberLacksIsRefusedWithTheFieldBeforeAnythingSwitches()
      throws Exception {
    int[] ports = FreePorts.take(4);
    DemoPki.create("localhost", ports[0], DemoPki.KeyType.EC).writeTo(dir);
    String first = yaml(ports, false);
    Files.writeString(dir.resolve("cluster.yaml"), first);
    ClusterConfig config = ConfigLoader.load(dir.resolve("cluster.yaml"));
    try (Node node = new Node(config)) {
      node.useStore(new FolderConfigStore(dir.resolve("revisions")), first, dir, "test");
      node.startAllMembers();

      // The second CA's files were never copied here: the model is valid, the files are not.
      Outcome outcome = node.apply(yaml(ports, true), dir, "test: a second CA without its files");

      assertFalse(outcome.applied());
      assertEquals(Outcome.Refusal.INVALID, outcome.refusal());
      String problems = String.join("\n", outcome.problems());
      assertTrue(
          problems.contains("revocationConfigurations[1].caCertificate: ")
              && problems.contains("does not exist"),
          outcome.toString());
      assertEquals(1, node.revision());
      assertEquals(2, node.memberAddresses().size(), "responder-3 was not started");
    }
  }

  private static String yaml(int[] ports, boolean next) {
    String third =
        next
            ? """
          - name: responder-3
            address: 127.0.0.1:%d
            priority: 3
        """
                .formatted(ports[3])
            : "";
    String second =
        next
            ? """
          - name: second
            caCertificate: second/ca.pem
            signingCertificate: second/ocsp-signer.pem
            signingKey: second/ocsp-signer.key
            crl: second/ca.crl
        """
            : "";
    return """
        cluster:
          name: test
          fqdn: localhost
          ip: 127.0.0.1
        portRules:
          - ports: %d
        members:
          - name: responder-1
            address: 127.0.0.1:%d
            priority: 1
          - name: responder-2
            address: 127.0.0.1:%d
            priority: 2
        %srevocationConfigurations:
          - name: demo
            caCertificate: ca.pem
            signingCertificate: ocsp-signer.pem
            signingKey: ocsp-signer.key
            crl: ca.crl
        %s"""
        .formatted(ports[0], ports[1], ports[2], third, second);
  }
}
