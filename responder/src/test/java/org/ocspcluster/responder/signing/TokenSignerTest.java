package org.ocspcluster.responder.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.config.SigningToken;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.testing.OcspRequests;
import org.ocspcluster.testing.SoftHsm;

/** Signing with a key that lives in a SoftHSM2 token (Debian's softhsm2, as .ci/run installs). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenSignerTest {
  @TempDir static Path dir;
  final DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
  SoftHsm token;
  SoftHsm other;
  X509CertificateHolder signerCertificate;

  @BeforeAll
  void token() throws Exception {
    Assumptions.assumeTrue(SoftHsm.available(), "SoftHSM2 and OpenSC are not installed");
    token = SoftHsm.newToken(dir.resolve("hsm"), "4321");
    signerCertificate = token.ocspSigner("ocsp-signer", pki.ca(), pki.caKeys());
    // A token this process never logs in to with the right PIN (a login holds for the whole
    // process). Made before any is opened: the library sees the tokens there were when it started.
    other = SoftHsm.newToken(dir.resolve("other"), "9876");
    other.ocspSigner("ocsp-signer", pki.ca(), pki.caKeys());
  }

  private SigningToken config(Long slot, String label, Path pinFile) {
    return new SigningToken(SoftHsm.LIBRARY, slot, null, label, pinFile);
  }

  @Test
  void aKeyInTheTokenSignsAnswersThatVerifyWithTheTokensCertificate() throws Exception {
    ResponseSigner signer =
        ResponseSigner.loadToken(
            config(token.slot(), "ocsp-signer", token.pinFile()), null, pki.ca(), false);
    assertTrue(signer.inToken());
    assertEquals(signerCertificate, signer.certificate(), "the certificate stored in the token");
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(signer.responderId());
    builder.addResponse(
        OcspRequests.sha1(pki.ca(), pki.good().getSerialNumber()), CertificateStatus.GOOD);
    BasicOCSPResp signed = signer.sign(builder, Instant.now());
    assertTrue(
        signed.isSignatureValid(new JcaContentVerifierProviderBuilder().build(signerCertificate)),
        "the token's signature verifies with the certificate's public key");
  }

  @Test
  void theKeyNeverLeavesTheToken() throws Exception {
    TokenKey.Opened opened = TokenKey.open(config(token.slot(), "ocsp-signer", token.pinFile()));
    assertNull(opened.key().getEncoded(), "a handle, not the key's bytes");
  }

  @Test
  void withoutASlotEveryTokenIsSearchedForTheKeyLabel() throws Exception {
    ResponseSigner signer =
        ResponseSigner.loadToken(
            config(null, "ocsp-signer", token.pinFile()), null, pki.ca(), false);
    assertEquals(signerCertificate, signer.certificate());
  }

  @Test
  void aTokenWithOneSessionSignsOneAnswerAtATime() throws Exception {
    SigningToken oneSession =
        new SigningToken(SoftHsm.LIBRARY, token.slot(), null, "ocsp-signer", token.pinFile(), 1);
    ResponseSigner signer = ResponseSigner.loadToken(oneSession, null, pki.ca(), false);
    java.util.concurrent.Semaphore sessions = signer.sessions();
    assertEquals(1, sessions.availablePermits());
    sessions.acquire(); // as a signature in flight would
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(signer.responderId());
    builder.addResponse(
        OcspRequests.sha1(pki.ca(), pki.good().getSerialNumber()), CertificateStatus.GOOD);
    var second =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return signer.sign(builder, Instant.now());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    org.awaitility.Awaitility.await()
        .during(java.time.Duration.ofMillis(300))
        .atMost(java.time.Duration.ofSeconds(2))
        .until(() -> !second.isDone());
    sessions.release();
    BasicOCSPResp signed = second.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(
        signed.isSignatureValid(new JcaContentVerifierProviderBuilder().build(signerCertificate)));
    assertEquals(1, sessions.availablePermits(), "the session is given back");
    assertNull(
        ResponseSigner.loadToken(
                config(token.slot(), "ocsp-signer", token.pinFile()), null, pki.ca(), false)
            .sessions(),
        "without sessions, no bound but the signing threads");
  }

  @Test
  void aKeyMadeInTheTokenSignsItsRequestThereAndSignsAnswersOnceTheCaIssuesIt() throws Exception {
    SigningToken at = config(token.slot(), "made-here", token.pinFile());
    TokenRequest request =
        TokenRequest.write(at, "ec", dir.resolve("requests"), "made", "m1", "demo", "cluster");
    request.keep("made-here");
    org.bouncycastle.pkcs.PKCS10CertificationRequest csr;
    try (var parser =
        new org.bouncycastle.openssl.PEMParser(Files.newBufferedReader(request.request()))) {
      csr = (org.bouncycastle.pkcs.PKCS10CertificationRequest) parser.readObject();
    }
    assertTrue(
        csr.isSignatureValid(
            new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
                .build(
                    new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
                        .getPublicKey(csr.getSubjectPublicKeyInfo()))),
        "the request is signed by its key, inside the token");
    TokenKey.Opened opened = TokenKey.open(at);
    assertNull(opened.key().getEncoded(), "made in the token, never extractable");
    SignerException placeholder =
        assertThrows(
            SignerException.class, () -> ResponseSigner.loadToken(at, null, pki.ca(), false));
    assertTrue(
        placeholder.getMessage().contains("not issued by"),
        "the placeholder is no signer: " + placeholder.getMessage());

    // The CA issues the request; the member signs with the token's key and the CA's certificate,
    // given as a file beside the token, or put in the token in place of the placeholder.
    Path issued = dir.resolve("made.pem");
    X509CertificateHolder certificate = issue(csr);
    org.ocspcluster.pki.Pem.write(issued, certificate);
    assertSigns(ResponseSigner.loadToken(at, issued, pki.ca(), false), certificate);
    SignerException notItsKey =
        assertThrows(
            SignerException.class, () -> TokenRequest.storeCertificate(at, signerCertificate));
    assertTrue(notItsKey.getMessage().contains("not for the key"), notItsKey.getMessage());
    TokenRequest.storeCertificate(at, certificate);
    assertSigns(ResponseSigner.loadToken(at, null, pki.ca(), false), certificate);
  }

  private void assertSigns(ResponseSigner signer, X509CertificateHolder certificate)
      throws Exception {
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(signer.responderId());
    builder.addResponse(
        OcspRequests.sha1(pki.ca(), pki.good().getSerialNumber()), CertificateStatus.GOOD);
    assertEquals(certificate, signer.certificate());
    assertTrue(
        signer
            .sign(builder, Instant.now())
            .isSignatureValid(new JcaContentVerifierProviderBuilder().build(certificate)));
  }

  @Test
  void aNewKeyNeverTakesALabelTheTokenHoldsAlready() throws Exception {
    SigningToken at = config(token.slot(), "ocsp-signer", token.pinFile());
    TokenRequest request =
        TokenRequest.write(at, "ec", dir.resolve("requests"), "again", "m1", "demo", "cluster");
    SignerException taken = assertThrows(SignerException.class, () -> request.keep("ocsp-signer"));
    assertTrue(taken.getMessage().contains("already holds"), taken.getMessage());
    request.discard();
    assertEquals(
        signerCertificate,
        TokenKey.open(at).certificate(),
        "the signer under the label is untouched");
  }

  @Test
  void aRenewalStoppedBeforeTheNewKeyTookTheLabelOverIsCompletedWhenTheTokenIsOpened()
      throws Exception {
    SigningToken at = config(token.slot(), "renewed-here", token.pinFile());
    TokenRequest first =
        TokenRequest.write(at, "ec", dir.resolve("requests"), "first", "m1", "demo", "cluster");
    first.keep("renewed-here");
    TokenRequest second =
        TokenRequest.write(at, "ec", dir.resolve("requests"), "second", "m1", "demo", "cluster");
    X509CertificateHolder renewed = issue(request(second));
    second.install(TokenRequest.renewing("renewed-here"), renewed);
    // Stopped here: the old key destroyed, the new one not yet under the label.
    TokenKey.delete(TokenKey.open(at).provider(), at, "renewed-here");
    assertEquals(renewed, TokenKey.open(at).certificate(), "the new key took the label over");
    assertSigns(ResponseSigner.loadToken(at, null, pki.ca(), false), renewed);
  }

  private static org.bouncycastle.pkcs.PKCS10CertificationRequest request(TokenRequest r)
      throws Exception {
    try (var parser =
        new org.bouncycastle.openssl.PEMParser(Files.newBufferedReader(r.request()))) {
      return (org.bouncycastle.pkcs.PKCS10CertificationRequest) parser.readObject();
    }
  }

  @Test
  void aKeyMadeForARequestTheCaRejectedIsDestroyed() throws Exception {
    SigningToken at = config(token.slot(), "ocsp-signer", token.pinFile());
    TokenRequest request =
        TokenRequest.write(at, "ec", dir.resolve("requests"), "rejected", "m1", "demo", "cluster");
    request.keep("rejected-key");
    request.discard();
    assertEquals(
        signerCertificate,
        TokenKey.open(config(token.slot(), "ocsp-signer", token.pinFile())).certificate(),
        "other keys stay");
    SignerException gone =
        assertThrows(
            SignerException.class,
            () -> TokenKey.open(config(token.slot(), "rejected-key", token.pinFile())));
    assertTrue(gone.getMessage().contains("holds no key labelled"), gone.getMessage());
  }

  /** What a CA makes of an OCSP signer's request: its subject and key, EKU OCSPSigning. */
  private X509CertificateHolder issue(org.bouncycastle.pkcs.PKCS10CertificationRequest csr)
      throws Exception {
    Instant start = Instant.now().minusSeconds(60);
    return new org.bouncycastle.cert.X509v3CertificateBuilder(
            pki.ca().getSubject(),
            java.math.BigInteger.valueOf(System.nanoTime()),
            java.util.Date.from(start),
            java.util.Date.from(start.plus(java.time.Duration.ofDays(30))),
            csr.getSubject(),
            csr.getSubjectPublicKeyInfo())
        .addExtension(
            org.bouncycastle.asn1.x509.Extension.extendedKeyUsage,
            false,
            new org.bouncycastle.asn1.x509.ExtendedKeyUsage(
                org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_OCSPSigning))
        .build(
            new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                .build(pki.caKeys().getPrivate()));
  }

  @Test
  void aRefusedPinOrAMissingKeyIsSaidInWords() throws Exception {
    Path wrong = dir.resolve("wrong.pin");
    Files.writeString(wrong, "0000\n");
    SignerException refused =
        assertThrows(
            SignerException.class,
            () ->
                ResponseSigner.loadToken(
                    config(other.slot(), "ocsp-signer", wrong), null, pki.ca(), false));
    assertTrue(refused.getMessage().contains("refused the PIN in " + wrong), refused.getMessage());
    SignerException missing =
        assertThrows(
            SignerException.class,
            () ->
                ResponseSigner.loadToken(
                    config(token.slot(), "no-such-key", token.pinFile()), null, pki.ca(), false));
    assertTrue(
        missing.getMessage().contains("holds no key labelled \"no-such-key\""),
        missing.getMessage());
  }
}
