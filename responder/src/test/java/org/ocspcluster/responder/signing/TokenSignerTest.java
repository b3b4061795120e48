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
