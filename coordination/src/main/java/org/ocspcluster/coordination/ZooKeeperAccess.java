package org.ocspcluster.coordination;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;

/**
 * How a process reaches the array's ZooKeeper. With {@code credentials} (a file holding {@code
 * USER:PASSWORD}, owner-only), the session authenticates with ZooKeeper's digest scheme and every
 * znode it creates gets an ACL that only that identity may read or change: nobody without the
 * array's credentials can read the revisions (the signer key paths every member loads) or write
 * them. With {@code trustStore}, the session speaks TLS (ZooKeeper's Netty client) to the
 * ensemble's secure port, checking the server against that trust store (PEM or PKCS#12); with
 * {@code keyStore}, it also presents a client certificate.
 */
public record ZooKeeperAccess(
    Path credentials, Path trustStore, Path keyStore, Path storePasswordFile) {

  /** Plain and unauthenticated: for a ZooKeeper only this machine reaches (tests, the demo). */
  public static final ZooKeeperAccess OPEN = new ZooKeeperAccess(null, null, null, null);

  /** A Curator client (not started) for the ensemble {@code hosts}, with this access. */
  public CuratorFramework client(String hosts) throws IOException {
    CuratorFrameworkFactory.Builder builder =
        CuratorFrameworkFactory.builder()
            .connectString(hosts)
            .sessionTimeoutMs(10_000)
            .connectionTimeoutMs(5_000)
            .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000));
    if (credentials != null) {
      String secret = Files.readString(credentials, StandardCharsets.UTF_8).strip();
      if (!secret.contains(":") || secret.startsWith(":") || secret.endsWith(":")) {
        throw new IOException(
            credentials + ": expected one line USER:PASSWORD (the array's ZooKeeper credentials)");
      }
      builder
          .authorization("digest", secret.getBytes(StandardCharsets.UTF_8))
          .aclProvider(ownerOnly());
    }
    if (trustStore != null) {
      ZKClientConfig tls = new ZKClientConfig();
      tls.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
      tls.setProperty(
          ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET,
          "org.apache.zookeeper.ClientCnxnSocketNetty");
      // TLS 1.3 first; 1.2 too, which ensembles before ZooKeeper 3.9 speak by default.
      tls.setProperty("zookeeper.ssl.enabledProtocols", "TLSv1.3,TLSv1.2");
      tls.setProperty("zookeeper.ssl.trustStore.location", trustStore.toString());
      tls.setProperty("zookeeper.ssl.trustStore.type", storeType(trustStore));
      String password =
          storePasswordFile == null
              ? null
              : Files.readString(storePasswordFile, StandardCharsets.UTF_8).strip();
      if (password != null) {
        tls.setProperty("zookeeper.ssl.trustStore.password", password);
      }
      if (keyStore != null) {
        tls.setProperty("zookeeper.ssl.keyStore.location", keyStore.toString());
        tls.setProperty("zookeeper.ssl.keyStore.type", storeType(keyStore));
        if (password != null) {
          tls.setProperty("zookeeper.ssl.keyStore.password", password);
        }
      }
      builder.zkClientConfig(tls);
    }
    return builder.build();
  }

  private static String storeType(Path store) {
    String name = store.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    return name.endsWith(".pem") || name.endsWith(".crt") ? "PEM" : "PKCS12";
  }

  /**
   * Every znode of the array created with the session's own (digest) identity as its only reader
   * and writer; the shared {@code /ocsp-cluster} above the arrays stays listable and open to new
   * arrays (each with credentials of its own).
   */
  private static ACLProvider ownerOnly() {
    return new ACLProvider() {
      @Override
      public List<ACL> getDefaultAcl() {
        return ZooDefs.Ids.CREATOR_ALL_ACL;
      }

      @Override
      public List<ACL> getAclForPath(String path) {
        // A mutable list: ZooKeeper asks it contains(null), which List.of refuses with an NPE.
        return path.equals("/ocsp-cluster")
            ? new java.util.ArrayList<>(
                List.of(
                    new ACL(
                        ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE)))
            : ZooDefs.Ids.CREATOR_ALL_ACL;
      }
    };
  }
}
