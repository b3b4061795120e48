package org.ocspcluster.responder.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.pki.DemoPki;

class ResponseSignerTest {
  @TempDir Path dir;
  final DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
  final DemoPki other = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);

  @Test
  void pkcs12KeystoreWithAPasswordFileIsLoaded() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    Certificate cert = new JcaX509CertificateConverter().getCertificate(pki.signer());
    store.setKeyEntry(
        "signer", pki.signerKeys().getPrivate(), "s3cret".toCharArray(), new Certificate[] {cert});
    Path p12 = dir.resolve("signer.p12");
    try (OutputStream out = Files.newOutputStream(p12)) {
      store.store(out, "s3cret".toCharArray());
    }
    Files.writeString(dir.resolve("password"), "s3cret\n");
    ResponseSigner signer =
        ResponseSigner.loadPkcs12(p12, dir.resolve("password"), pki.ca(), false);
    assertEquals(pki.signer(), signer.certificate());
    SignerException wrong =
        assertThrows(
            SignerException.class, () -> ResponseSigner.loadPkcs12(p12, null, pki.ca(), false));
    assertTrue(wrong.getMessage().contains("signingKeystorePasswordFile"), wrong.getMessage());
  }

  @Test
  void byNameResponderIdNamesTheSignersSubject() throws Exception {
    ResponseSigner signer =
        new ResponseSigner(pki.signer(), pki.signerKeys().getPrivate(), pki.ca(), true);
    assertEquals(pki.signer().getSubject(), signer.responderId().toASN1Primitive().getName());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "RSA, 3072, SHA256withRSA",
    "RSA, 4096, SHA256withRSA",
    "EC, secp256r1, SHA256withECDSA",
    "EC, secp384r1, SHA384withECDSA"
  })
  void everySupportedKeySignsWithSha256OrStronger(String type, String size, String expected)
      throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance(type);
    if (type.equals("RSA")) {
      generator.initialize(Integer.parseInt(size));
    } else {
      generator.initialize(new java.security.spec.ECGenParameterSpec(size));
    }
    assertEquals(expected, ResponseSigner.algorithmFor(generator.generateKeyPair().getPrivate()));
  }

  @Test
  void rsaBelow2048BitsIsRefused() throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
    generator.initialize(1024);
    assertThrows(
        SignerException.class,
        () -> ResponseSigner.algorithmFor(generator.generateKeyPair().getPrivate()));
  }

  /** A signer certificate the CA issued with EKU OCSPSigning and nothing else (no nocheck). */
  private org.bouncycastle.cert.X509CertificateHolder ocspSigningOnly(
      java.time.Instant from, java.time.Instant to) throws Exception {
    return new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
            pki.ca().getSubject(),
            java.math.BigInteger.valueOf(from.getEpochSecond()),
            java.util.Date.from(from),
            java.util.Date.from(to),
            pki.signer().getSubject(),
            pki.signerKeys().getPublic())
        .addExtension(
            org.bouncycastle.asn1.x509.Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning))
        .build(
            new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                .build(pki.caKeys().getPrivate()));
  }

  @Test
  void aSignerThatIsNotValidNowIsRefusedAtLoad() throws Exception {
    // A certificate issued by the CA with OCSPSigning, but expired yesterday.
    java.time.Instant now = java.time.Instant.now();
    var expired = ocspSigningOnly(now.minusSeconds(172_800), now.minusSeconds(86_400));
    SignerException e =
        assertThrows(
            SignerException.class,
            () -> ResponseSigner.create(expired, pki.signerKeys().getPrivate(), pki.ca()));
    assertTrue(e.getMessage().contains("not valid now"), e.getMessage());
  }

  @Test
  void theCaItselfMaySign() throws Exception {
    assertNotNull(ResponseSigner.create(pki.ca(), pki.caKeys().getPrivate(), pki.ca()));
  }

  @Test
  void aSignerIssuedByAnotherCaIsRefused() {
    SignerException e =
        assertThrows(
            SignerException.class,
            () -> ResponseSigner.create(other.signer(), other.signerKeys().getPrivate(), pki.ca()));
    // Same names, other keys: the signature check is what catches it.
    assertTrue(
        e.getMessage().contains("not issued by the CA")
            || e.getMessage().contains("does not verify with the CA"),
        e.getMessage());
  }

  @Test
  void aCertificateWithoutOcspSigningIsRefused() {
    // The leaf is issued by the CA but has EKU serverAuth only.
    SignerException e =
        assertThrows(
            SignerException.class,
            () -> ResponseSigner.create(pki.good(), pki.signerKeys().getPrivate(), pki.ca()));
    assertTrue(e.getMessage().contains("OCSPSigning"), e.getMessage());
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefused() {
    SignerException e =
        assertThrows(
            SignerException.class,
            () -> ResponseSigner.create(pki.signer(), other.signerKeys().getPrivate(), pki.ca()));
    assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
  }

  @Test
  void anEcKeyWithAnRsaCertificateIsNamedAsSuchNotAsAJavaError() {
    DemoPki rsa = DemoPki.create("localhost", 8080, DemoPki.KeyType.RSA);
    SignerException e =
        assertThrows(
            SignerException.class,
            () -> ResponseSigner.create(rsa.signer(), pki.signerKeys().getPrivate(), rsa.ca()));
    assertTrue(
        e.getMessage().startsWith("the signing key is an EC key but the signing certificate"),
        e.getMessage());
    assertTrue(e.getMessage().contains("holds an RSA key"), e.getMessage());
  }

  @Test
  void aDelegatedSignerWithoutOcspNocheckDoesNotMeetTheBaselineRequirements() throws Exception {
    assertEquals(
        null,
        ResponseSigner.create(pki.signer(), pki.signerKeys().getPrivate(), pki.ca())
            .baselineRequirementsProblem());
    java.time.Instant start = java.time.Instant.now().minusSeconds(60);
    var withoutNocheck = ocspSigningOnly(start, start.plusSeconds(86_400));
    String problem =
        ResponseSigner.create(withoutNocheck, pki.signerKeys().getPrivate(), pki.ca())
            .baselineRequirementsProblem();
    assertNotNull(problem);
    assertTrue(problem.contains("lacks id-pkix-ocsp-nocheck"), problem);
    assertEquals(
        null,
        ResponseSigner.create(pki.ca(), pki.caKeys().getPrivate(), pki.ca())
            .baselineRequirementsProblem(),
        "the CA signing its own answers needs no delegation extension");
  }

  @Test
  void signerRequestAsksForOcspSigningAndIsSignedByItsKey() throws Exception {
    SignerRequest.Written written =
        SignerRequest.write(dir, "demo-responder-1-signer", "responder-1", "demo", "demo", "ec");
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(written.key())));
    PKCS10CertificationRequest csr;
    try (PEMParser parser = new PEMParser(Files.newBufferedReader(written.request()))) {
      csr = (PKCS10CertificationRequest) parser.readObject();
    }
    assertTrue(
        csr.isSignatureValid(
            new JcaContentVerifierProviderBuilder()
                .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                .build(csr.getSubjectPublicKeyInfo())));
    Extensions requested =
        Extensions.getInstance(
            csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0]
                .getAttrValues()
                .getObjectAt(0));
    assertTrue(
        ExtendedKeyUsage.fromExtensions(requested).hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning));
  }
}
