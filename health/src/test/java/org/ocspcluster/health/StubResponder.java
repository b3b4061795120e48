package org.ocspcluster.health;

import com.sun.net.httpserver.HttpServer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.CountDownLatch;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An OCSP responder for probe tests that answers however the test says: a good answer by default,
 * or one of the ways real responders go wrong (wrong key, expired signer, stale data, wrong status,
 * no nonce, an error status, or no answer at all).
 */
final class StubResponder implements AutoCloseable {
  enum Fault {
    NONE,
    WRONG_KEY,
    EXPIRED_SIGNER,
    EXPIRING_SIGNER,
    STALE,
    REVOKED,
    NO_NONCE,
    TRY_LATER,
    HANG
  }

  final KeyPair caKeys = keys();
  final X509CertificateHolder ca;
  final KeyPair signerKeys = keys();
  final HttpServer server;
  volatile Fault fault = Fault.NONE;
  private final CountDownLatch never = new CountDownLatch(1);

  StubResponder() throws Exception {
    X500Name name = new X500Name("CN=stub CA");
    Instant now = Instant.now();
    ca =
        new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ONE,
                Date.from(now.minusSeconds(3600)),
                Date.from(now.plus(Duration.ofDays(365))),
                name,
                caKeys.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext(
        "/",
        exchange -> {
          try {
            if (fault == Fault.HANG) {
              never.await();
              return;
            }
            byte[] body = answer(new OCSPReq(exchange.getRequestBody().readAllBytes()));
            exchange.getResponseHeaders().set("Content-Type", "application/ocsp-response");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          } catch (Exception e) {
            exchange.sendResponseHeaders(500, -1);
          } finally {
            exchange.close();
          }
        });
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  Path writeCa(Path dir) throws Exception {
    Path file = dir.resolve("ca.pem");
    Files.write(file, ca.getEncoded());
    return file;
  }

  private byte[] answer(OCSPReq request) throws Exception {
    if (fault == Fault.TRY_LATER) {
      return new OCSPRespBuilder().build(OCSPRespBuilder.TRY_LATER, null).getEncoded();
    }
    Instant now = Instant.now();
    Instant signerEnd =
        switch (fault) {
          case EXPIRED_SIGNER -> now.minusSeconds(60);
          case EXPIRING_SIGNER -> now.plus(Duration.ofDays(3));
          default -> now.plus(Duration.ofDays(90));
        };
    X509CertificateHolder signer =
        new JcaX509v3CertificateBuilder(
                ca.getSubject(),
                BigInteger.TWO,
                Date.from(now.minus(Duration.ofDays(30))),
                Date.from(signerEnd),
                new X500Name("CN=stub signer"),
                signerKeys.getPublic())
            .addExtension(
                Extension.extendedKeyUsage,
                false,
                new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(new RespID(signer.getSubject()));
    Instant nextUpdate =
        fault == Fault.STALE ? now.minusSeconds(12) : now.plus(Duration.ofHours(1));
    for (Req r : request.getRequestList()) {
      CertificateStatus status =
          fault == Fault.REVOKED
              ? new RevokedStatus(Date.from(now.minusSeconds(600)), 1)
              : CertificateStatus.GOOD;
      builder.addResponse(
          r.getCertID(), status, Date.from(now.minusSeconds(5)), Date.from(nextUpdate), null);
    }
    var nonce = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
    if (nonce != null && fault != Fault.NO_NONCE) {
      builder.setResponseExtensions(new Extensions(nonce));
    }
    KeyPair signing = fault == Fault.WRONG_KEY ? keys() : signerKeys;
    var basic =
        builder.build(
            new JcaContentSignerBuilder("SHA256withECDSA").build(signing.getPrivate()),
            new X509CertificateHolder[] {signer},
            Date.from(now));
    return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
  }

  private static KeyPair keys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    never.countDown();
    server.stop(0);
  }
}
