package org.ocspcluster.responder.ocsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.responder.pki.Pem;
import org.ocspcluster.responder.revocation.CrlRevocationSource;

class OcspServiceTest {
  @TempDir
  Path dir;
  TestCa demo;
  TestCa other;
  ExecutorService signing;
  OcspService service;

  @BeforeEach
  void serveOneCa() throws Exception {
    demo = new TestCa(dir, "demo");
    other = new TestCa(dir, "other");
    signing = Executors.newFixedThreadPool(2);
    service = new OcspService(List.of(demo.served), signing, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    signing.shutdownNow();
  }

  private byte[] ask(byte[] request) {
    return service.answer(request).join().encoded();
  }

  @Test
  void goodCertificateIsReportedGoodAndSignedByTheDelegatedSigner() throws Exception {
    CertificateID id = OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber());
    BasicOCSPResp basic = OcspRequests.basic(ask(OcspRequests.request(id)));
    SingleResp single = basic.getResponses()[0];
    assertEquals(id, single.getCertID());
    assertNull(single.getCertStatus(), "null is BC's 'good'");
    assertTrue(basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(demo.pki.signer())));
    assertEquals(demo.pki.signer(), basic.getCerts()[0], "the delegated signer is included in certs");
    assertEquals(demo.pki.crl().getNextUpdate(), single.getNextUpdate(), "nextUpdate is the CRL's");
  }

  @Test
  void revokedCertificateIsReportedWithReasonAndTime() throws Exception {
    CertificateID id = OcspRequests.sha1(demo.pki.ca(), demo.pki.revoked().getSerialNumber());
    SingleResp single = OcspRequests.basic(ask(OcspRequests.request(id))).getResponses()[0];
    RevokedStatus revoked = assertInstanceOf(RevokedStatus.class, single.getCertStatus());
    assertEquals(CRLReason.keyCompromise, revoked.getRevocationReason());
    assertEquals(demo.pki.revokedAt().truncatedTo(ChronoUnit.SECONDS), revoked.getRevocationTime().toInstant());
  }

  @Test
  void sha256CertIdIsAnsweredAndEchoedWithTheSameAlgorithm() throws Exception {
    CertificateID id = OcspRequests.certId(NISTObjectIdentifiers.id_sha256, demo.pki.ca(),
        demo.pki.revoked().getSerialNumber());
    SingleResp single = OcspRequests.basic(ask(OcspRequests.request(id))).getResponses()[0];
    assertEquals(NISTObjectIdentifiers.id_sha256, single.getCertID().getHashAlgOID());
    assertInstanceOf(RevokedStatus.class, single.getCertStatus());
  }

  @Test
  void issuerNotServedIsUnauthorized() throws Exception {
    CertificateID id = OcspRequests.sha1(other.pki.ca(), other.pki.good().getSerialNumber());
    assertEquals(OCSPResp.UNAUTHORIZED, OcspRequests.status(ask(OcspRequests.request(id))));
  }

  @Test
  void garbageIsMalformedRequest() throws Exception {
    assertEquals(OCSPResp.MALFORMED_REQUEST, OcspRequests.status(ask(new byte[] {0x30, 0x03, 0x01, 0x02})));
    assertEquals(OCSPResp.MALFORMED_REQUEST, OcspRequests.status(ask(new byte[0])));
    assertEquals(OCSPResp.MALFORMED_REQUEST, OcspRequests.status(ask("hello".getBytes())));
  }

  @Test
  void tooManyCertIdsIsMalformedRequest() throws Exception {
    CertificateID[] ids = new CertificateID[OcspService.MAX_CERT_IDS + 1];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = OcspRequests.sha1(demo.pki.ca(), BigInteger.valueOf(i + 1));
    }
    assertEquals(OCSPResp.MALFORMED_REQUEST, OcspRequests.status(ask(OcspRequests.request(ids))));
  }

  @Test
  void nonceIsEchoed() throws Exception {
    byte[] nonce = new byte[32];
    new java.security.SecureRandom().nextBytes(nonce);
    CertificateID id = OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber());
    Answer answer = service.answer(OcspRequests.requestWithNonce(nonce, id)).join();
    BasicOCSPResp basic = OcspRequests.basic(answer.encoded());
    byte[] echoed = ASN1OctetString.getInstance(
        basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce).getExtnValue().getOctets()).getOctets();
    assertArrayEquals(nonce, echoed);
    assertFalse(answer.cacheable(), "a nonce makes the answer unique to its request");
  }

  @Test
  void nonceLongerThan32OctetsIsMalformedRequest() throws Exception {
    CertificateID id = OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber());
    assertEquals(OCSPResp.MALFORMED_REQUEST,
        OcspRequests.status(ask(OcspRequests.requestWithNonce(new byte[33], id))));
  }

  @Test
  void expiredCrlIsNeverAnsweredGoodButTryLater() throws Exception {
    // A source whose only CRL is already past its nextUpdate.
    TestCa stale = new TestCa(dir, "stale");
    Instant past = Instant.now().minusSeconds(7200);
    Pem.write(stale.crlFile, stale.pki.crl(past, past.plusSeconds(3600)));
    CrlRevocationSource source = new CrlRevocationSource("stale", stale.crlFile, stale.pki.ca());
    assertTrue(source.refresh());
    OcspService staleService = new OcspService(
        List.of(new ServedCa("stale", stale.pki.ca(), source, stale.served.signer())), signing, Clock.systemUTC());
    CertificateID id = OcspRequests.sha1(stale.pki.ca(), stale.pki.good().getSerialNumber());
    Answer answer = staleService.answer(OcspRequests.request(id)).join();
    assertEquals(OCSPResp.TRY_LATER, OcspRequests.status(answer.encoded()));
    assertEquals(Outcome.TRY_LATER, answer.outcome());
  }

  @Test
  void mixedIssuersInOneRequestAreUnauthorized() throws Exception {
    OcspService both = new OcspService(List.of(demo.served, other.served), signing, Clock.systemUTC());
    byte[] request = OcspRequests.request(
        OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()),
        OcspRequests.sha1(other.pki.ca(), other.pki.good().getSerialNumber()));
    assertEquals(OCSPResp.UNAUTHORIZED, OcspRequests.status(both.answer(request).join().encoded()));
  }

  @Test
  void secondCaIsSelectedByItsCertIdAndSignedByItsOwnSigner() throws Exception {
    OcspService both = new OcspService(List.of(demo.served, other.served), signing, Clock.systemUTC());
    CertificateID id = OcspRequests.sha1(other.pki.ca(), other.pki.revoked().getSerialNumber());
    BasicOCSPResp basic = OcspRequests.basic(both.answer(OcspRequests.request(id)).join().encoded());
    assertTrue(basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(other.pki.signer())));
    assertInstanceOf(RevokedStatus.class, basic.getResponses()[0].getCertStatus());
  }
}
