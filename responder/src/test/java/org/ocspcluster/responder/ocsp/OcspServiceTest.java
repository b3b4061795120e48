package org.ocspcluster.responder.ocsp;

import static java.nio.charset.StandardCharsets.UTF_8;
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
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.revocation.CrlRevocationSource;
import org.ocspcluster.testing.OcspRequests;

class OcspServiceTest {
  @TempDir Path dir;
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
    assertTrue(
        basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(demo.pki.signer())));
    assertEquals(
        demo.pki.signer(), basic.getCerts()[0], "the delegated signer is included in certs");
    assertEquals(demo.pki.crl().getNextUpdate(), single.getNextUpdate(), "nextUpdate is the CRL's");
  }

  @Test
  void revokedCertificateIsReportedWithReasonAndTime() throws Exception {
    CertificateID id = OcspRequests.sha1(demo.pki.ca(), demo.pki.revoked().getSerialNumber());
    SingleResp single = OcspRequests.basic(ask(OcspRequests.request(id))).getResponses()[0];
    RevokedStatus revoked = assertInstanceOf(RevokedStatus.class, single.getCertStatus());
    assertEquals(CRLReason.keyCompromise, revoked.getRevocationReason());
    assertEquals(
        demo.pki.revokedAt().truncatedTo(ChronoUnit.SECONDS),
        revoked.getRevocationTime().toInstant());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.3"})
  void sha2CertIdsAreAnsweredAndEchoedWithTheSameAlgorithm(String oid) throws Exception {
    var algorithm = new org.bouncycastle.asn1.ASN1ObjectIdentifier(oid);
    CertificateID id =
        OcspRequests.certId(algorithm, demo.pki.ca(), demo.pki.revoked().getSerialNumber());
    SingleResp single = OcspRequests.basic(ask(OcspRequests.request(id))).getResponses()[0];
    assertEquals(algorithm, single.getCertID().getHashAlgOID());
    assertEquals(id, single.getCertID());
    assertInstanceOf(RevokedStatus.class, single.getCertStatus());
  }

  @Test
  void issuerNotServedIsUnauthorized() throws Exception {
    CertificateID id = OcspRequests.sha1(other.pki.ca(), other.pki.good().getSerialNumber());
    assertEquals(OCSPResp.UNAUTHORIZED, OcspRequests.status(ask(OcspRequests.request(id))));
  }

  @Test
  void garbageIsMalformedRequest() throws Exception {
    assertEquals(
        OCSPResp.MALFORMED_REQUEST, OcspRequests.status(ask(new byte[] {0x30, 0x03, 0x01, 0x02})));
    assertEquals(OCSPResp.MALFORMED_REQUEST, OcspRequests.status(ask(new byte[0])));
    assertEquals(OCSPResp.MALFORMED_REQUEST, OcspRequests.status(ask("hello".getBytes(UTF_8))));
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
    byte[] echoed =
        ASN1OctetString.getInstance(
                basic
                    .getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce)
                    .getExtnValue()
                    .getOctets())
            .getOctets();
    assertArrayEquals(nonce, echoed);
    assertFalse(answer.cacheable(), "a nonce makes the answer unique to its request");
  }

  @Test
  void noncesUpTo128OctetsAreEchoedAsRfc9654AllowsAndLongerOrEmptyOnesAreMalformed()
      throws Exception {
    CertificateID id = OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber());
    for (int length : new int[] {1, 33, 128}) {
      byte[] nonce = new byte[length];
      java.util.Arrays.fill(nonce, (byte) 7);
      BasicOCSPResp basic =
          OcspRequests.basic(
              service.answer(OcspRequests.requestWithNonce(nonce, id)).join().encoded());
      byte[] echoed =
          org.ocspcluster.pki.Nonces.value(
              basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce));
      assertArrayEquals(nonce, echoed, length + " octets echoed");
    }
    for (int length : new int[] {0, 129}) {
      assertEquals(
          OCSPResp.MALFORMED_REQUEST,
          OcspRequests.status(ask(OcspRequests.requestWithNonce(new byte[length], id))),
          length + " octets refused");
    }
  }

  @Test
  void expiredCrlIsNeverAnsweredGoodButTryLater() throws Exception {
    // A source whose only CRL is already past its nextUpdate.
    TestCa stale = new TestCa(dir, "stale");
    Instant past = Instant.now().minusSeconds(7200);
    Pem.write(stale.crlFile, stale.pki.crl(past, past.plusSeconds(3600)));
    CrlRevocationSource source = new CrlRevocationSource("stale", stale.crlFile, stale.pki.ca());
    assertTrue(source.refresh());
    OcspService staleService =
        new OcspService(
            List.of(new ServedCa("stale", stale.pki.ca(), source, stale.served.signer())),
            signing,
            Clock.systemUTC());
    CertificateID id = OcspRequests.sha1(stale.pki.ca(), stale.pki.good().getSerialNumber());
    Answer answer = staleService.answer(OcspRequests.request(id)).join();
    assertEquals(OCSPResp.TRY_LATER, OcspRequests.status(answer.encoded()));
    assertEquals(Outcome.TRY_LATER, answer.outcome());
  }

  /** Counts signatures and cache use, as the member's metrics do. */
  static final class Counting implements OcspEvents {
    final java.util.concurrent.atomic.AtomicInteger signed =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger hits =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void signed(String configuration) {
      signed.incrementAndGet();
    }

    @Override
    public void cacheHit(String configuration) {
      hits.incrementAndGet();
    }
  }

  @Test
  void nonceLessRequestIsSignedOnceThenServedPreProduced() throws Exception {
    Counting events = new Counting();
    OcspService cached =
        new OcspService(
            List.of(demo.served), signing, Clock.systemUTC(), OcspService.Settings.DEFAULT, events);
    byte[] request =
        OcspRequests.request(OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()));
    byte[] first = cached.answer(request).join().encoded();
    for (int i = 0; i < 20; i++) {
      assertArrayEquals(first, cached.answer(request).join().encoded());
    }
    assertEquals(1, events.signed.get(), "one signature for 21 identical nonce-less requests");
    assertEquals(20, events.hits.get());
  }

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    volatile java.time.Instant now;

    MovableClock(java.time.Instant now) {
      this.now = now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }

  /** The demo CA served with {@code windows} on {@code clock}. */
  private OcspService servedWith(ResponseWindows windows, Clock clock) {
    return new OcspService(
        List.of(new ServedCa("demo", demo.pki.ca(), demo.source, demo.served.signer(), windows)),
        signing,
        clock);
  }

  private byte[] goodRequest() throws Exception {
    return OcspRequests.request(
        OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()));
  }

  private static java.time.Instant thisUpdate(Answer a) throws Exception {
    return OcspRequests.basic(a.encoded()).getResponses()[0].getThisUpdate().toInstant();
  }

  @Test
  void aPreProducedAnswerIsSignedAnewWhenItsWindowEndsWithoutMakingRequestsWait() throws Exception {
    MovableClock clock = new MovableClock(java.time.Instant.now());
    OcspService cached =
        servedWith(new ResponseWindows(java.time.Duration.ofMinutes(10), false), clock);
    byte[] request = goodRequest();
    Answer first = cached.answer(request).join();
    assertTrue(
        java.time.Duration.between(thisUpdate(first), first.resignAt()).toMinutes() == 5,
        "re-signed every half of the validity");
    assertTrue(
        java.time.Duration.between(clock.now, first.resignAt()).toSeconds() <= 300,
        "HTTP caches keep it no longer than its window");
    // Past the window: the kept answer is still served once, and its successor signed meanwhile.
    clock.now = first.resignAt().plusSeconds(5);
    assertArrayEquals(first.encoded(), cached.answer(request).join().encoded());
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> thisUpdate(cached.answer(request).join()).equals(first.resignAt()));
    // Far past its successor's window and grace: signed on the spot, never the old one.
    Answer second = cached.answer(request).join();
    clock.now = second.resignAt().plus(ResponseCache.RESIGN_GRACE).plusSeconds(1);
    Answer third = cached.answer(request).join();
    assertEquals(second.resignAt(), thisUpdate(third));
  }

  @Test
  void aKeptAnswerIsNotServedOnceItsDataIsPastItsNextUpdateEvenUnderTheProfile() throws Exception {
    MovableClock clock = new MovableClock(java.time.Instant.now());
    OcspService cached = servedWith(new ResponseWindows(java.time.Duration.ofDays(7), true), clock);
    byte[] request = goodRequest();
    assertEquals(OCSPResp.SUCCESSFUL, OcspRequests.status(cached.answer(request).join().encoded()));
    clock.now = demo.source.nextUpdate().plusSeconds(1);
    assertEquals(OCSPResp.TRY_LATER, OcspRequests.status(cached.answer(request).join().encoded()));
  }

  @Test
  void aBufferReusedForAnotherCertificateGetsThatCertificatesAnswer() throws Exception {
    OcspService cached = new OcspService(List.of(demo.served), signing, Clock.systemUTC());
    BigInteger good = demo.pki.good().getSerialNumber();
    BigInteger revoked = demo.pki.revoked().getSerialNumber();
    byte[] buffer = OcspRequests.request(OcspRequests.sha1(demo.pki.ca(), good));
    byte[] other = OcspRequests.request(OcspRequests.sha1(demo.pki.ca(), revoked));
    assertEquals(
        buffer.length, other.length, "same-length serials, so one buffer can hold either request");
    assertNull(
        OcspRequests.basic(cached.answer(buffer).join().encoded())
            .getResponses()[0]
            .getCertStatus());
    System.arraycopy(other, 0, buffer, 0, other.length);
    SingleResp second =
        OcspRequests.basic(cached.answer(buffer).join().encoded()).getResponses()[0];
    assertEquals(revoked, second.getCertID().getSerialNumber());
    assertTrue(second.getCertStatus() instanceof RevokedStatus);
  }

  @Test
  void requestsWithANonceAreAlwaysSignedOnline() throws Exception {
    Counting events = new Counting();
    OcspService cached =
        new OcspService(
            List.of(demo.served), signing, Clock.systemUTC(), OcspService.Settings.DEFAULT, events);
    CertificateID id = OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber());
    for (int i = 0; i < 3; i++) {
      cached.answer(OcspRequests.requestWithNonce(new byte[] {(byte) i, 1, 2, 3}, id)).join();
    }
    assertEquals(3, events.signed.get());
  }

  @Test
  void aRevocationInANewCrlIsAnsweredAtOnceNotFromTheOldPreProducedResponse() throws Exception {
    OcspService cached = new OcspService(List.of(demo.served), signing, Clock.systemUTC());
    BigInteger serial = demo.pki.good().getSerialNumber();
    byte[] request = OcspRequests.request(OcspRequests.sha1(demo.pki.ca(), serial));
    assertNull(
        OcspRequests.basic(cached.answer(request).join().encoded())
            .getResponses()[0]
            .getCertStatus());

    Instant later = Instant.now().plusSeconds(5);
    assertTrue(
        demo.publish(
            demo.pki.crl(
                later,
                later.plus(java.time.Duration.ofDays(7)),
                java.util.Map.of(serial, CRLReason.certificateHold))));
    RevokedStatus hold =
        assertInstanceOf(
            RevokedStatus.class,
            OcspRequests.basic(cached.answer(request).join().encoded())
                .getResponses()[0]
                .getCertStatus());
    assertEquals(
        CRLReason.certificateHold,
        hold.getRevocationReason(),
        "certificateHold is revoked with that reason");
  }

  @Test
  void responseValidityBoundsNextUpdateBelowTheCrls() throws Exception {
    ServedCa shortLived =
        new ServedCa(
            "demo",
            demo.pki.ca(),
            demo.source,
            demo.served.signer(),
            java.time.Duration.ofMinutes(10));
    OcspService service = new OcspService(List.of(shortLived), signing, Clock.systemUTC());
    SingleResp single =
        OcspRequests.basic(
                service
                    .answer(
                        OcspRequests.request(
                            OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber())))
                    .join()
                    .encoded())
            .getResponses()[0];
    assertEquals(
        java.time.Duration.ofMinutes(10),
        java.time.Duration.between(
            single.getThisUpdate().toInstant(), single.getNextUpdate().toInstant()));
  }

  @Test
  void signerNotValidNowAnswersTryLater() throws Exception {
    // Two hours ago the CRL already promised fresh data, but the signer was not yet valid.
    Clock past = Clock.offset(Clock.systemUTC(), java.time.Duration.ofHours(-2));
    OcspService service = new OcspService(List.of(demo.served), signing, past);
    Answer answer =
        service
            .answer(
                OcspRequests.request(
                    OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber())))
            .join();
    assertEquals(OCSPResp.TRY_LATER, OcspRequests.status(answer.encoded()));
  }

  @Test
  void unknownIssuerCanBeAnsweredUnknownInsteadOfUnauthorized() throws Exception {
    OcspService service =
        new OcspService(
            List.of(demo.served),
            signing,
            Clock.systemUTC(),
            new OcspService.Settings(true, 100),
            OcspEvents.NONE);
    CertificateID id = OcspRequests.sha1(other.pki.ca(), other.pki.good().getSerialNumber());
    SingleResp single =
        OcspRequests.basic(service.answer(OcspRequests.request(id)).join().encoded())
            .getResponses()[0];
    assertInstanceOf(org.bouncycastle.cert.ocsp.UnknownStatus.class, single.getCertStatus());
  }

  @Test
  void twoCertificatesInOneRequestAreBothAnswered() throws Exception {
    CertificateID good = OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber());
    CertificateID revoked = OcspRequests.sha1(demo.pki.ca(), demo.pki.revoked().getSerialNumber());
    SingleResp[] singles =
        OcspRequests.basic(ask(OcspRequests.request(good, revoked))).getResponses();
    assertEquals(2, singles.length);
    assertEquals(good, singles[0].getCertID());
    assertNull(singles[0].getCertStatus());
    assertInstanceOf(RevokedStatus.class, singles[1].getCertStatus());
  }

  @Test
  void mixedIssuersInOneRequestAreUnauthorized() throws Exception {
    OcspService both =
        new OcspService(List.of(demo.served, other.served), signing, Clock.systemUTC());
    byte[] request =
        OcspRequests.request(
            OcspRequests.sha1(demo.pki.ca(), demo.pki.good().getSerialNumber()),
            OcspRequests.sha1(other.pki.ca(), other.pki.good().getSerialNumber()));
    assertEquals(OCSPResp.UNAUTHORIZED, OcspRequests.status(both.answer(request).join().encoded()));
  }

  @Test
  void secondCaIsSelectedByItsCertIdAndSignedByItsOwnSigner() throws Exception {
    OcspService both =
        new OcspService(List.of(demo.served, other.served), signing, Clock.systemUTC());
    CertificateID id = OcspRequests.sha1(other.pki.ca(), other.pki.revoked().getSerialNumber());
    BasicOCSPResp basic =
        OcspRequests.basic(both.answer(OcspRequests.request(id)).join().encoded());
    assertTrue(
        basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(other.pki.signer())));
    assertInstanceOf(RevokedStatus.class, basic.getResponses()[0].getCertStatus());
  }
}
