package org.ocspcluster.responder.revocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.config.Location;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;

class DeltaAndHttpCrlTest {
  @TempDir Path dir;
  final DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
  final Instant base =
      Instant.now().minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

  private CrlRevocationSource withDelta() throws Exception {
    Pem.write(dir.resolve("base.crl"), pki.crl(base, base.plus(Duration.ofDays(7))));
    return new CrlRevocationSource(
        "demo",
        Location.parse(dir.resolve("base.crl").toString()),
        Location.parse(dir.resolve("delta.crl").toString()),
        pki.ca());
  }

  private void delta(Instant thisUpdate, Map<BigInteger, Integer> entries) throws Exception {
    Pem.write(
        dir.resolve("delta.crl"),
        pki.deltaCrl(base, thisUpdate, thisUpdate.plus(Duration.ofDays(1)), entries));
  }

  @Test
  void deltaHoldRevokesAndDeltaRemoveFromCrlEndsTheHold() throws Exception {
    CrlRevocationSource source = withDelta();
    BigInteger good = pki.good().getSerialNumber();
    delta(base.plusSeconds(60), Map.of(good, CRLReason.certificateHold));
    assertTrue(source.refresh());
    CertStatus.Revoked hold =
        assertInstanceOf(CertStatus.Revoked.class, source.status(good, Instant.now()).status());
    assertEquals(CRLReason.certificateHold, hold.reason());
    assertEquals(
        base.plusSeconds(60).plus(Duration.ofDays(1)),
        source.nextUpdate(),
        "the delta's nextUpdate is sooner");

    delta(base.plusSeconds(120), Map.of(good, CRLReason.removeFromCRL));
    assertTrue(source.refresh());
    assertEquals(CertStatus.GOOD, source.status(good, Instant.now()).status());
    assertInstanceOf(
        CertStatus.Revoked.class,
        source.status(pki.revoked().getSerialNumber(), Instant.now()).status(),
        "the base's revocations stand");
  }

  @Test
  void deltaForANewerBaseIsRefused() throws Exception {
    CrlRevocationSource source = withDelta();
    Pem.write(
        dir.resolve("delta.crl"),
        pki.deltaCrl(
            base.plusSeconds(3600),
            base.plusSeconds(60),
            base.plus(Duration.ofDays(1)),
            Map.of(pki.good().getSerialNumber(), CRLReason.certificateHold)));
    assertFalse(source.refresh());
  }

  @Test
  void fullCrlNamedAsDeltaIsRefused() throws Exception {
    CrlRevocationSource source = withDelta();
    Pem.write(dir.resolve("delta.crl"), pki.crl(base, base.plus(Duration.ofDays(7))));
    assertFalse(source.refresh());
  }

  @Test
  void aCrlUrlNobodyListensOnIsRefusedNamingTheUrlAndWhy() throws Exception {
    int closed;
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closed + "/ca.crl";
    java.io.IOException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class, () -> Fetcher.fetch(Location.parse(url)));
    assertEquals("GET " + url + ": connection refused or unreachable", refused.getMessage());
  }

  @Test
  void crlIsFetchedOverHttpAndAFailedFetchKeepsTheLastGoodOne() throws Exception {
    AtomicReference<byte[]> published = new AtomicReference<>(pki.crl().getEncoded());
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/ca.crl",
        exchange -> {
          byte[] body = published.get();
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.getResponseHeaders().set("Content-Type", "application/pkix-crl");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
          exchange.close();
        });
    server.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ca.crl");
      CrlRevocationSource source =
          new CrlRevocationSource("demo", Location.parse(url.toString()), null, pki.ca());
      assertTrue(source.refresh());
      published.set(null);
      assertFalse(source.refresh(), "a 404 is refused");
      assertInstanceOf(
          CertStatus.Revoked.class,
          source.status(pki.revoked().getSerialNumber(), Instant.now()).status());
    } finally {
      server.stop(0);
    }
  }
}
