package org.ocspcluster.responder.revocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;

class CrlRevocationSourceTest {
  @TempDir Path dir;

  @Test
  void crlSignedByAnotherCaIsRefusedAndTheLastGoodOneStays() throws Exception {
    DemoPki ours = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
    DemoPki theirs = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
    Path file = dir.resolve("ca.crl");
    Pem.write(file, ours.crl());
    CrlRevocationSource source = new CrlRevocationSource("demo", file, ours.ca());
    assertTrue(source.refresh());

    Pem.write(file, theirs.crl());
    assertFalse(source.refresh(), "a CRL of another issuer is refused");
    Files.writeString(file, "-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n");
    assertFalse(source.refresh(), "an unparseable CRL is refused");

    StatusAnswer answer = source.status(ours.revoked().getSerialNumber(), Instant.now());
    assertInstanceOf(
        CertStatus.Revoked.class, answer.status(), "the last good CRL is still in force");
  }

  @Test
  void aLargeCrlIsReadCompletelyAndItsSizeReported() throws Exception {
    DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
    java.util.Map<java.math.BigInteger, Integer> many = new java.util.HashMap<>();
    for (int i = 1; i <= CrlRevocationSource.PROGRESS_EVERY + 5_000; i++) {
      many.put(
          java.math.BigInteger.valueOf(1_000_000L + i),
          org.bouncycastle.asn1.x509.CRLReason.superseded);
    }
    Instant now = Instant.now();
    Path file = dir.resolve("large.crl");
    Files.write(file, pki.crl(now, now.plusSeconds(86_400), many).getEncoded());
    CrlRevocationSource source = new CrlRevocationSource("large", file, pki.ca());
    assertTrue(source.refresh());
    assertEquals(many.size() + 1, source.revokedCount());
    assertEquals(1.0, source.loadProgress(), "no load under way");
    assertInstanceOf(
        CertStatus.Revoked.class,
        source.status(java.math.BigInteger.valueOf(1_000_777L), now).status());
  }

  @Test
  void noCrlYetMeansNoAnswer() {
    DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
    CrlRevocationSource source =
        new CrlRevocationSource("demo", dir.resolve("missing.crl"), pki.ca());
    assertFalse(source.refresh());
    assertThrows(
        RevocationDataUnavailable.class,
        () -> source.status(pki.good().getSerialNumber(), Instant.now()));
  }

  @Test
  void derCrlIsReadAsWellAsPem() throws Exception {
    DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.RSA);
    Path file = dir.resolve("ca.der.crl");
    Files.write(file, pki.crl().getEncoded());
    CrlRevocationSource source = new CrlRevocationSource("demo", file, pki.ca());
    assertTrue(source.refresh());
    assertEquals(
        CertStatus.GOOD, source.status(pki.good().getSerialNumber(), Instant.now()).status());
  }
}
