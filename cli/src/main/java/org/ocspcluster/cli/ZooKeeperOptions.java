package org.ocspcluster.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.FileChecks;
import org.ocspcluster.coordination.ZooKeeperAccess;
import picocli.CommandLine.Option;

/** How a process of the array reaches ZooKeeper: credentials and TLS (README, "The array"). */
final class ZooKeeperOptions {
  @Option(
      names = "--zookeeper-credentials",
      paramLabel = "FILE",
      description =
          "a file (mode 0600) holding USER:PASSWORD: authenticate to ZooKeeper (digest) and make"
              + " the array's znodes readable and writable by that identity only; give every"
              + " controller, member and balancer of the array the same file")
  Path credentials;

  @Option(
      names = "--zookeeper-truststore",
      paramLabel = "FILE",
      description =
          "speak TLS to ZooKeeper's secure port, trusting the CA in FILE (PEM, or PKCS#12)")
  Path trustStore;

  @Option(
      names = "--zookeeper-keystore",
      paramLabel = "FILE",
      description = "with TLS: this process's client certificate and key (PKCS#12, or PEM)")
  Path keyStore;

  @Option(
      names = "--zookeeper-store-password-file",
      paramLabel = "FILE",
      description = "with TLS: the password of the trust and key stores (mode 0600)")
  Path storePasswordFile;

  /** The access, or null after naming on {@code err} each file that cannot be used. */
  ZooKeeperAccess access(PrintWriter err) {
    List<ConfigException.Problem> problems = new ArrayList<>();
    if (credentials != null) {
      problems.addAll(FileChecks.secretFile("--zookeeper-credentials", credentials));
    }
    if (storePasswordFile != null) {
      problems.addAll(FileChecks.secretFile("--zookeeper-store-password-file", storePasswordFile));
    }
    if (keyStore != null) {
      problems.addAll(FileChecks.secretFile("--zookeeper-keystore", keyStore));
    }
    if (keyStore != null && trustStore == null) {
      problems.add(
          new ConfigException.Problem(
              "--zookeeper-keystore", "give --zookeeper-truststore too (TLS needs it)"));
    }
    if (!problems.isEmpty()) {
      err.println("cannot reach ZooKeeper as asked:");
      problems.forEach(p -> err.println("  " + p));
      err.flush();
      return null;
    }
    return new ZooKeeperAccess(credentials, trustStore, keyStore, storePasswordFile);
  }
}
