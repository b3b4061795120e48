package org.ocspcluster.benchmarks;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.ocspcluster.responder.signing.ResponseSigner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Signing one OCSP response per key type, as the responder does for every nonce request: the
 * ceiling for online signing on these cores.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SigningBenchmark {
  @Param({"RSA-2048", "RSA-3072", "P-256", "P-384"})
  public String key;

  /**
   * A folder with the responder's own signer (ca.pem, ocsp-signer.pem, ocsp-signer.key), so the
   * end-to-end harness measures the very key the responder signs with; empty: a new key of type
   * {@link #key}.
   */
  @Param({""})
  public String pkiDir;

  private ResponseSigner signer;
  private CertificateID id;

  @Setup
  public void setUp() throws Exception {
    if (!pkiDir.isEmpty()) {
      java.nio.file.Path dir = java.nio.file.Path.of(pkiDir);
      X509CertificateHolder ca = org.ocspcluster.pki.Pem.readCertificate(dir.resolve("ca.pem"));
      signer =
          ResponseSigner.create(
              org.ocspcluster.pki.Pem.readCertificate(dir.resolve("ocsp-signer.pem")),
              org.ocspcluster.pki.Pem.readPrivateKey(dir.resolve("ocsp-signer.key")),
              ca);
      id =
          new CertificateID(
              new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
              ca,
              BigInteger.TEN);
      return;
    }
    KeyPair keys;
    String algorithm;
    if (key.startsWith("RSA")) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(Integer.parseInt(key.substring(4)));
      keys = g.generateKeyPair();
      algorithm = "SHA256withRSA";
    } else {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(key.equals("P-256") ? "secp256r1" : "secp384r1"));
      keys = g.generateKeyPair();
      algorithm = key.equals("P-256") ? "SHA256withECDSA" : "SHA384withECDSA";
    }
    X500Name name = new X500Name("CN=benchmark CA " + key);
    Instant now = Instant.now();
    X509CertificateHolder ca =
        new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ONE,
                Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(86_400)),
                name,
                keys.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
            .build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate()));
    signer = ResponseSigner.create(ca, keys.getPrivate(), ca);
    id =
        new CertificateID(
            new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
            ca,
            BigInteger.TEN);
  }

  @Benchmark
  public byte[] signOneResponse() throws Exception {
    Instant now = Instant.now();
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(signer.responderId());
    builder.addResponse(
        id, CertificateStatus.GOOD, Date.from(now), Date.from(now.plusSeconds(3600)), null);
    return signer.sign(builder, now).getEncoded();
  }
}
