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
import org.ocspcluster.responder.pki.DemoPki;

class ResponseSignerTest {
  @TempDir
  Path dir;
  final DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
  final DemoPki other = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);

  @Test
  void pkcs12KeystoreWithAPasswordFileIsLoaded() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    Certificate cert = new JcaX509CertificateConverter().getCertificate(pki.signer());
    store.setKeyEntry("signer", pki.signerKeys().getPrivate(), "s3cret".toCharArray(), new Certificate[] {cert});
    Path p12 = dir.resolve("signer.p12");
    try (OutputStream out = Files.newOutputStream(p12)) {
      store.store(out, "s3cret".toCharArray());
    }
    Files.writeString(dir.resolve("password"), "s3cret\n");
    ResponseSigner signer = ResponseSigner.loadPkcs12(p12, dir.resolve("password"), pki.ca(), false);
    assertEquals(pki.signer(), signer.certificate());
    SignerException wrong = assertThrows(SignerException.class,
        () -> ResponseSigner.loadPkcs12(p12, null, pki.ca(), false));
    assertTrue(wrong.getMessage().contains("signingKeystorePasswordFile"), wrong.getMessage());
  }

  @Test
  void byNameResponderIdNamesTheSignersSubject() throws Exception {
    ResponseSigner signer = new ResponseSigner(pki.signer(), pki.signerKeys().getPrivate(), pki.ca(), true);
    assertEquals(pki.signer().getSubject(), signer.responderId().toASN1Primitive().getName());
  }

  @Test
  void theCaItselfMaySign() throws Exception {
    assertNotNull(ResponseSigner.create(pki.ca(), pki.caKeys().getPrivate(), pki.ca()));
  }

  @Test
  void aSignerIssuedByAnotherCaIsRefused() {
    SignerException e = assertThrows(SignerException.class,
        () -> ResponseSigner.create(other.signer(), other.signerKeys().getPrivate(), pki.ca()));
    // Same names, other keys: the signature check is what catches it.
    assertTrue(e.getMessage().contains("not issued by the CA") || e.getMessage().contains("does not verify with the CA"),
        e.getMessage());
  }

  @Test
  void aCertificateWithoutOcspSigningIsRefused() {
    // The leaf is issued by the CA but has EKU serverAuth only.
    SignerException e = assertThrows(SignerException.class,
        () -> ResponseSigner.create(pki.good(), pki.signerKeys().getPrivate(), pki.ca()));
    assertTrue(e.getMessage().contains("OCSPSigning"), e.getMessage());
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefused() {
    SignerException e = assertThrows(SignerException.class,
        () -> ResponseSigner.create(pki.signer(), other.signerKeys().getPrivate(), pki.ca()));
    assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
  }

  @Test
  void signerRequestAsksForOcspSigningAndIsSignedByItsKey() throws Exception {
    SignerRequest.Written written = SignerRequest.write(dir, "demo-responder-1-signer", "responder-1", "demo", "demo", "ec");
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(written.key())));
    PKCS10CertificationRequest csr;
    try (PEMParser parser = new PEMParser(Files.newBufferedReader(written.request()))) {
      csr = (PKCS10CertificationRequest) parser.readObject();
    }
    assertTrue(csr.isSignatureValid(new JcaContentVerifierProviderBuilder()
        .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build(csr.getSubjectPublicKeyInfo())));
    Extensions requested = Extensions.getInstance(
        csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0].getAttrValues().getObjectAt(0));
    assertTrue(ExtendedKeyUsage.fromExtensions(requested).hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning));
  }
}
