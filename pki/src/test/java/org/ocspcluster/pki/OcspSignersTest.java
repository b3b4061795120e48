package org.ocspcluster.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** Who may sign a CA's OCSP answers, and the nonce as both sides read it. */
class OcspSignersTest {
  private static KeyPair keys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  @SuppressWarnings("JavaUtilDate") // Bouncy Castle's certificate builder takes Dates
  private static X509CertificateHolder certificate(
      String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys, boolean ocspSigning)
      throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=" + issuer),
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(1))),
            new X500Name("CN=" + subject),
            subjectKeys.getPublic());
    if (ocspSigning) {
      builder.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning));
    }
    return builder.build(
        new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate()));
  }

  @Test
  void aCertificateTheCaIssuedWithOcspSigningMaySignItsAnswers() throws Exception {
    KeyPair caKeys = keys();
    X509CertificateHolder ca = certificate("CA", caKeys, "CA", caKeys, false);
    X509CertificateHolder signer = certificate("OCSP", keys(), "CA", caKeys, true);
    assertNull(OcspSigners.delegationProblem(signer, ca));
  }

  @Test
  void withoutOcspSigningOrFromAnotherKeyOrIssuerItMayNot() throws Exception {
    KeyPair caKeys = keys();
    X509CertificateHolder ca = certificate("CA", caKeys, "CA", caKeys, false);

    String noEku =
        OcspSigners.delegationProblem(certificate("OCSP", keys(), "CA", caKeys, false), ca);
    assertNotNull(noEku);
    assertTrue(noEku.contains("lacks the OCSPSigning"), noEku);

    String otherKey =
        OcspSigners.delegationProblem(certificate("OCSP", keys(), "CA", keys(), true), ca);
    assertNotNull(otherKey);
    assertTrue(otherKey.contains("does not verify"), otherKey);

    String otherIssuer =
        OcspSigners.delegationProblem(certificate("OCSP", keys(), "Other CA", caKeys, true), ca);
    assertNotNull(otherIssuer);
    assertTrue(otherIssuer.contains("not issued by the CA"), otherIssuer);
  }

  @Test
  void aNonceIsReadTheSameWrappedOrBare() throws Exception {
    byte[] nonce = {1, 2, 3, 4, 5, 6, 7, 8};
    assertArrayEquals(nonce, Nonces.value(Nonces.extension(nonce)));
    Extension bare =
        new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false, new DEROctetString(nonce));
    assertArrayEquals(nonce, Nonces.value(bare));
  }
}
