package org.ocspcluster.balancer.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.math.BigInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.testing.OcspRequests;

class CacheableRequestTest {
  static final DemoPki PKI = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);

  private static CertificateID id(BigInteger serial) throws Exception {
    X509CertificateHolder ca = PKI.ca();
    return new CertificateID(
        new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1), ca, serial);
  }

  private static FullHttpRequest post(byte[] der) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.POST, "/", Unpooled.wrappedBuffer(der));
    request.headers().set("Content-Type", "application/ocsp-request");
    return request;
  }

  @Test
  void aPlainOneCertificateRequestIsCacheableByItsBytes() throws Exception {
    byte[] der = OcspRequests.request(id(BigInteger.TEN));
    FullHttpRequest request = post(der);
    try {
      byte[] read = CacheableRequest.der(request);
      assertNotNull(read);
      assertNotNull(CacheableRequest.of(read));
    } finally {
      request.release();
    }
  }

  @Test
  void requestsWhoseAnswersMustNotBeSharedAreNot() throws Exception {
    // A nonce asks for an answer of its own.
    assertNull(
        CacheableRequest.of(OcspRequests.requestWithNonce(new byte[16], id(BigInteger.TEN))));
    // Two certificates in one request.
    assertNull(CacheableRequest.of(OcspRequests.request(id(BigInteger.ONE), id(BigInteger.TWO))));
    // A requestor name: bytes a client may vary at will, to fill the cache with one answer.
    byte[] named =
        new OCSPReqBuilder()
            .setRequestorName(new GeneralName(new X500Name("CN=" + "x".repeat(40))))
            .addRequest(id(BigInteger.TEN))
            .build()
            .getEncoded();
    assertNull(CacheableRequest.of(named));
  }

  @Test
  void aLargeBodyOrAnotherContentTypeIsNotKept() throws Exception {
    FullHttpRequest large = post(new byte[CacheableRequest.MAX_CACHEABLE + 1]);
    FullHttpRequest untyped = post(OcspRequests.request(id(BigInteger.TEN)));
    untyped.headers().set("Content-Type", "text/plain");
    try {
      assertNull(CacheableRequest.der(large));
      assertNull(CacheableRequest.der(untyped));
      assertEquals(1, large.refCnt());
    } finally {
      large.release();
      untyped.release();
    }
  }
}
