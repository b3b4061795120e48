package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;

/**
 * Optional TLS: members answer OCSP over HTTPS only, the balancer relays TLS untouched and probes
 * the members over HTTPS, and the admin listener speaks HTTPS. Asked by curl and OpenSSL.
 */
class TlsEndToEndTest {
  @TempDir Path dir;

  @Test
  void ocspOverHttpsThroughTheBalancerAndAnHttpsAdminListener() throws Exception {
    int[] free = Clients.freePorts(4);
    DemoCluster.Ports ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    writeTlsCredential(dir.resolve("tls.pem"), dir.resolve("tls.key"));
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "admin:\n  listen: 127.0.0.1:" + ports.admin() + "\n",
                """
        responder:
          tls:
            certificate: tls.pem
            key: tls.key
            trust: tls.pem
        admin:
          listen: 127.0.0.1:%d
          tls:
            certificate: tls.pem
            key: tls.key
        """
                    .formatted(ports.admin())));
    try (Node cluster = new Node(ConfigLoader.load(yaml))) {
      cluster.startAllMembers();
      cluster.startBalancer();
      cluster.startAdmin(new InetSocketAddress("127.0.0.1", ports.admin()));
      // UP only after probes passed: the balancer reached both members over HTTPS, trusting
      // tls.pem.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  cluster.health().health("responder-1").state()
                          == org.ocspcluster.health.MemberHealth.State.UP
                      && cluster.health().health("responder-2").state()
                          == org.ocspcluster.health.MemberHealth.State.UP);

      Path request = dir.resolve("request.der");
      Path response = dir.resolve("response.der");
      Clients.Run made =
          Clients.run(
              List.of(
                  "openssl",
                  "ocsp",
                  "-issuer",
                  dir.resolve("ca.pem").toString(),
                  "-cert",
                  dir.resolve("revoked.pem").toString(),
                  "-no_nonce",
                  "-reqout",
                  request.toString()));
      assertEquals(0, made.exit(), made.out());
      Clients.Run fetched =
          Clients.run(
              List.of(
                  "curl",
                  "-sS",
                  "--fail",
                  "--cacert",
                  dir.resolve("tls.pem").toString(),
                  "-H",
                  "Content-Type: application/ocsp-request",
                  "--data-binary",
                  "@" + request,
                  "-o",
                  response.toString(),
                  "https://127.0.0.1:" + ports.cluster() + "/"));
      assertEquals(0, fetched.exit(), "curl over HTTPS through the balancer: " + fetched.out());
      Clients.Run read =
          Clients.run(
              List.of(
                  "openssl",
                  "ocsp",
                  "-respin",
                  response.toString(),
                  "-issuer",
                  dir.resolve("ca.pem").toString(),
                  "-CAfile",
                  dir.resolve("ca.pem").toString(),
                  "-cert",
                  dir.resolve("revoked.pem").toString()));
      assertTrue(
          read.out().contains("revoked.pem: revoked") && read.out().contains("Response verify OK"),
          read.out());

      Clients.Run plain =
          Clients.run(
              List.of(
                  "curl",
                  "-sS",
                  "--max-time",
                  "5",
                  "-H",
                  "Content-Type: application/ocsp-request",
                  "--data-binary",
                  "@" + request,
                  "http://127.0.0.1:" + ports.member1() + "/"));
      assertNotEquals(0, plain.exit(), "a TLS member does not answer plain HTTP: " + plain.out());

      Clients.Said query =
          Clients.cli(
              "query",
              "--admin",
              "https://127.0.0.1:" + ports.admin(),
              "--admin-ca",
              dir.resolve("tls.pem").toString());
      assertEquals(0, query.exit(), query.out());
      assertTrue(query.out().contains("responder-1"), query.out());
    }
  }

  /** A self-signed P-256 certificate for localhost and 127.0.0.1, and its key (owner-only). */
  static void writeTlsCredential(Path certificate, Path key) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    X500Name name = new X500Name("CN=localhost");
    Instant now = Instant.now();
    X509CertificateHolder holder =
        new JcaX509v3CertificateBuilder(
                name,
                BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(86_400)),
                name,
                keys.getPublic())
            .addExtension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(
                    new GeneralName[] {
                      new GeneralName(GeneralName.dNSName, "localhost"),
                      new GeneralName(GeneralName.iPAddress, "127.0.0.1")
                    }))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
    Pem.write(certificate, holder);
    Pem.writePrivateKey(key, keys.getPrivate());
  }
}
