package org.ocspcluster.responder.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.testing.OcspRequests;

/** Each response source alone: what it answers itself and what it passes to the source it wraps. */
class ResponseSourcesTest {
  @TempDir Path dir;

  TestCa demo;
  TestCa other;
  ExecutorService signing;
  final List<OcspRequest> passed = new ArrayList<>();
  final Answer marker =
      new Answer(new byte[] {1}, Outcome.GOOD, false, "marker", null, null, null, 0, null, null);

  @BeforeEach
  void setUp() throws Exception {
    demo = new TestCa(dir, "demo");
    other = new TestCa(dir, "other");
    signing = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void tearDown() {
    signing.shutdownNow();
  }

  private ResponseSource recording() {
    return request -> {
      passed.add(request);
      return CompletableFuture.completedFuture(marker);
    };
  }

  private OcspRequest request(TestCa... issuers) throws Exception {
    List<org.bouncycastle.cert.ocsp.CertificateID> ids = new ArrayList<>();
    for (TestCa ca : issuers) {
      ids.add(OcspRequests.sha1(ca.pki.ca(), BigInteger.valueOf(7)));
    }
    return new OcspRequest(new byte[0], ids, null, null);
  }

  @Test
  void issuerFilterNamesTheServedCaAndPassesTheRequestOn() throws Exception {
    ResponseSource notServed =
        request -> {
          throw new AssertionError("a served issuer went to the unknown-issuer policy");
        };
    IssuerFilter filter =
        new IssuerFilter(
            new IssuerIndex(List.of(demo.served, other.served)), recording(), notServed);

    assertSame(marker, filter.answer(request(other, other)).join());
    assertEquals(1, passed.size());
    assertSame(other.served, passed.get(0).ca());
  }

  @Test
  void issuerFilterRefusesCertIdsOfTwoCasAndSendsUnservedIssuersToThePolicy() throws Exception {
    List<OcspRequest> policy = new ArrayList<>();
    IssuerFilter filter =
        new IssuerFilter(
            new IssuerIndex(List.of(demo.served)),
            recording(),
            request -> {
              policy.add(request);
              return CompletableFuture.completedFuture(UnknownIssuerPolicy.unauthorized());
            });
    TestCa stranger = new TestCa(dir, "stranger");

    assertEquals(Outcome.UNAUTHORIZED, filter.answer(request(demo, stranger)).join().outcome());
    assertEquals(Outcome.UNAUTHORIZED, filter.answer(request(stranger, demo)).join().outcome());
    assertTrue(policy.isEmpty(), "a request that names a served CA is not an unknown issuer");
    assertTrue(passed.isEmpty());

    filter.answer(request(stranger));
    assertEquals(1, policy.size());
    assertNull(policy.get(0).ca());
  }

  @Test
  void theCacheAnswersOnlyNonceLessSingleCertIdRequestsAndPassesTheRestToTheSigner()
      throws Exception {
    SigningSource online = new SigningSource(signing, Clock.systemUTC(), OcspEvents.NONE);
    ResponseCache cache =
        new ResponseCache(100, signing, Clock.systemUTC(), online, OcspEvents.NONE);
    OcspRequest plain = request(demo).servedBy(demo.served);

    Answer first = cache.answer(plain).join();
    Answer second = cache.answer(plain).join();
    assertTrue(first.cacheable());
    assertSame(first, second, "the pre-produced answer is served again");

    Extension nonce =
        new Extension(
            OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
            false,
            new DEROctetString(new DEROctetString(new byte[] {1, 2, 3, 4})));
    OcspRequest withNonce = new OcspRequest(new byte[0], plain.ids(), nonce, demo.served);
    Answer a = cache.answer(withNonce).join();
    Answer b = cache.answer(withNonce).join();
    assertFalse(a.cacheable());
    assertNotSame(a, b, "a nonce request is signed each time");
    assertEquals(Outcome.GOOD, a.outcome());
  }
}
