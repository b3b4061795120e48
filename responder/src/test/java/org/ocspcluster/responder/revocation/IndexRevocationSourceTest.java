package org.ocspcluster.responder.revocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x509.CRLReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexRevocationSourceTest {
  // As `openssl ca` writes it: status, expiry, revocation[,reason], serial, file, subject.
  static final String INDEX =
      """
      V\t271231235959Z\t\t1A2B\tunknown\t/CN=good.example
      R\t271231235959Z\t250102030405Z,keyCompromise\t03E8\tunknown\t/CN=revoked.example
      E\t240101000000Z\t\t0F\tunknown\t/CN=expired.example
      """;

  @TempDir Path dir;

  private IndexRevocationSource source(boolean extendedRevoke) throws Exception {
    Path file = dir.resolve("index.txt");
    Files.writeString(file, INDEX);
    IndexRevocationSource source =
        new IndexRevocationSource(
            "ca", file, extendedRevoke, Duration.ofMinutes(1), Clock.systemUTC());
    assertTrue(source.refresh());
    return source;
  }

  @Test
  void issuedCertificatesAreGoodAndRevokedOnesCarryTimeAndReason() throws Exception {
    IndexRevocationSource source = source(false);
    assertEquals(
        CertStatus.GOOD, source.status(BigInteger.valueOf(0x1A2B), Instant.now()).status());
    CertStatus.Revoked revoked =
        assertInstanceOf(
            CertStatus.Revoked.class,
            source.status(BigInteger.valueOf(1000), Instant.now()).status());
    assertEquals(Instant.parse("2025-01-02T03:04:05Z"), revoked.time());
    assertEquals(CRLReason.keyCompromise, revoked.reason());
    assertEquals(
        CertStatus.GOOD,
        source.status(BigInteger.valueOf(15), Instant.now()).status(),
        "expired is not revoked");
  }

  @Test
  void neverIssuedSerialIsUnknown() throws Exception {
    assertEquals(
        CertStatus.UNKNOWN, source(false).status(BigInteger.valueOf(99), Instant.now()).status());
  }

  @Test
  void neverIssuedSerialIsRevokedOnHoldSince1970WithTheExtendedRevokedDefinition()
      throws Exception {
    IndexRevocationSource source = source(true);
    CertStatus.Revoked revoked =
        assertInstanceOf(
            CertStatus.Revoked.class,
            source.status(BigInteger.valueOf(99), Instant.now()).status());
    assertEquals(Instant.EPOCH, revoked.time());
    assertEquals(CRLReason.certificateHold, revoked.reason());
    assertTrue(source.extendedRevokedDefinition());
  }

  @Test
  void aDatabaseNotReadForTwoIntervalsIsStale() throws Exception {
    IndexRevocationSource source = source(false);
    assertThrows(
        RevocationDataUnavailable.class,
        () -> source.status(BigInteger.valueOf(0x1A2B), Instant.now().plus(Duration.ofMinutes(3))));
  }

  @Test
  void aBrokenLineIsRefusedWithItsNumberAndTheDataInForceStays() throws Exception {
    IndexRevocationSource source = source(false);
    long generation = source.generation();
    Files.writeString(
        dir.resolve("index.txt"), INDEX + "R\t271231235959Z\tyesterday\t07\tunknown\t/CN=x\n");
    assertFalse(source.refresh());
    assertEquals(generation, source.generation());
    assertEquals(
        CertStatus.GOOD, source.status(BigInteger.valueOf(0x1A2B), Instant.now()).status());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> IndexRevocationSource.parse(java.util.List.of("X\t2712Z\t\t01\tunknown\t/CN=x")));
    assertTrue(e.getMessage().startsWith("line 1"), e.getMessage());
  }
}
