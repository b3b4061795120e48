package org.ocspcluster.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.config.Affinity;
import org.ocspcluster.config.BalancerSettings;
import org.ocspcluster.config.Cluster;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.HostPort;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRange;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.health.HealthChecker;

/**
 * A TCP port rule relays TLS (say, HTTPS on 443) untouched: the client's handshake reaches the
 * member, which answers with its own certificate; the balancer neither ends nor inspects TLS.
 */
class TlsPassThroughTest {
  @TempDir Path dir;
  SSLServerSocket memberSocket;
  Balancer balancer;
  HealthChecker health;

  @AfterEach
  void stop() throws Exception {
    if (balancer != null) {
      balancer.close();
    }
    if (health != null) {
      health.close();
    }
    memberSocket.close();
  }

  @Test
  void theClientsHandshakeEndsAtTheMemberWithTheMembersCertificate() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    X500Name name = new X500Name("CN=member.ocsp.test");
    Instant now = Instant.now();
    X509Certificate certificate =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        name,
                        BigInteger.valueOf(now.toEpochMilli()),
                        Date.from(now.minusSeconds(60)),
                        Date.from(now.plusSeconds(3600)),
                        name,
                        keys.getPublic())
                    .addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, "member.ocsp.test")))
                    .build(
                        new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    char[] password = "test".toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry(
        "member", keys.getPrivate(), password, new java.security.cert.Certificate[] {certificate});
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(store, password);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(keyManagers.getKeyManagers(), null, null);
    memberSocket =
        (SSLServerSocket)
            serverTls
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread member =
        new Thread(
            () -> {
              try (Socket s = memberSocket.accept()) {
                String line =
                    new BufferedReader(
                            new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                s.getOutputStream()
                    .write(("member heard: " + line + "\n").getBytes(StandardCharsets.US_ASCII));
              } catch (Exception closed) {
                // the test ended
              }
            },
            "tls-member");
    member.setDaemon(true);
    member.start();

    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Member m = new Member("tls", new HostPort("127.0.0.1", memberSocket.getLocalPort()), 1, null);
    ClusterConfig config =
        new ClusterConfig(
            new Cluster("t", "localhost", "127.0.0.1", null),
            List.of(
                new PortRule(
                    "https",
                    null,
                    PortRange.of(port),
                    null,
                    FilteringMode.MULTIPLE_HOST,
                    Affinity.SINGLE)),
            List.of(m),
            List.of(),
            null,
            new BalancerSettings(
                null, null, null, null, null, null, null, null, dir.resolve("state.json")),
            null,
            null);
    health =
        new HealthChecker(
            config,
            java.util.Map.of(),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    balancer =
        Balancer.start(
            config,
            health,
            health,
            Map.of(
                "tls",
                new InetSocketAddress(
                    InetAddress.getLoopbackAddress(), memberSocket.getLocalPort())),
            new SimpleMeterRegistry());

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("member", certificate);
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, trust.getTrustManagers(), null);
    try (SSLSocket client = (SSLSocket) clientTls.getSocketFactory().createSocket()) {
      client.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      client.setSoTimeout(5_000);
      SSLParameters parameters = client.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName("member.ocsp.test")));
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      client.setSSLParameters(parameters);
      client.startHandshake();
      assertEquals(
          certificate,
          client.getSession().getPeerCertificates()[0],
          "the member's own certificate");
      OutputStream out = client.getOutputStream();
      out.write("hello over TLS\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer =
          new BufferedReader(
                  new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      assertEquals("member heard: hello over TLS", answer);
    }
  }
}
