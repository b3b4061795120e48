package org.ocspcluster.cli.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.bouncycastle.cert.X509CRLHolder;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;

/**
 * The demo cluster: a demo PKI and the {@code cluster.yaml} that serves it with two members behind
 * the balancer. What {@code demo-pki} writes and what {@code up} uses when given no configuration.
 */
public final class DemoCluster {

  /**
   * The ports of a demo cluster: the cluster (rule) port, the two members and the admin listener.
   */
  public record Ports(int cluster, int member1, int member2, int admin) {
    public static final Ports DEFAULT = new Ports(8080, 8081, 8082, 9464);

    /** Members on the two ports after the cluster port, as in the default. */
    public static Ports from(int cluster, int admin) {
      return new Ports(cluster, cluster + 1, cluster + 2, admin);
    }
  }

  public static final String CONFIG_FILE = "cluster.yaml";

  private DemoCluster() {}

  /** Writes a new demo PKI and its cluster.yaml into {@code dir}; returns the PKI. */
  public static DemoPki write(Path dir, String fqdn, Ports ports, DemoPki.KeyType keyType)
      throws IOException {
    DemoPki pki = DemoPki.create(fqdn, ports.cluster(), keyType);
    pki.writeTo(dir);
    Files.writeString(dir.resolve(CONFIG_FILE), yaml(fqdn, ports), StandardCharsets.UTF_8);
    return pki;
  }

  /**
   * True when {@code dir} holds a demo cluster whose CRL is still good for a day; the embedded
   * default is then reused, else a new one is made.
   */
  public static boolean usable(Path dir) {
    Path crl = dir.resolve("ca.crl");
    if (!Files.isRegularFile(dir.resolve(CONFIG_FILE)) || !Files.isRegularFile(crl)) {
      return false;
    }
    try {
      X509CRLHolder holder = Pem.readCrl(crl);
      return holder.getNextUpdate() != null
          && holder.getNextUpdate().toInstant().isAfter(Instant.now().plusSeconds(86_400));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  static String yaml(String fqdn, Ports ports) {
    return """
        # ocsp-cluster: a demo cluster, written by `ocsp-cluster demo-pki` (or `up` the first time).
        # Relative paths are read from this file's folder. Reference: README.md, "cluster.yaml".
        cluster:
          name: demo
          fqdn: %1$s               # the name in the certificates' OCSP URI; clients only use this
          ip: 127.0.0.1            # the cluster IP the balancer listens on
          mode: unicast
        portRules:
          - name: ocsp-http
            clusterIp: all
            ports: %2$d
            protocol: tcp
            filteringMode: multipleHost
            affinity: single
        members:
          - name: responder-1
            address: 127.0.0.1:%3$d
            priority: 1
          - name: responder-2
            address: 127.0.0.1:%4$d
            priority: 2
        revocationConfigurations:
          - name: demo
            caCertificate: ca.pem
            signingCertificate: ocsp-signer.pem
            signingKey: ocsp-signer.key
            crl: ca.crl
            refreshInterval: 1m
            probe:                 # what the balancer's health probe asks, and must hear
              certificate: good.pem
              expect: good
        admin:
          listen: 127.0.0.1:%5$d
        """
        .formatted(fqdn, ports.cluster(), ports.member1(), ports.member2(), ports.admin());
  }
}
