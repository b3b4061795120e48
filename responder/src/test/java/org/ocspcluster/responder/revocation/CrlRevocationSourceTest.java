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
import org.ocspcluster.responder.pki.DemoPki;
import org.ocspcluster.responder.pki.Pem;

class CrlRevocationSourceTest {
  @TempDir
  Path dir;

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
    assertInstanceOf(CertStatus.Revoked.class, answer.status(), "the last good CRL is still in force");
  }

  @Test
  void noCrlYetMeansNoAnswer() {
    DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
    CrlRevocationSource source = new CrlRevocationSource("demo", dir.resolve("missing.crl"), pki.ca());
    assertFalse(source.refresh());
    assertThrows(RevocationDataUnavailable.class, () -> source.status(pki.good().getSerialNumber(), Instant.now()));
  }

  @Test
  void derCrlIsReadAsWellAsPem() throws Exception {
    DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.RSA);
    Path file = dir.resolve("ca.der.crl");
    Files.write(file, pki.crl().getEncoded());
    CrlRevocationSource source = new CrlRevocationSource("demo", file, pki.ca());
    assertTrue(source.refresh());
    assertEquals(CertStatus.GOOD, source.status(pki.good().getSerialNumber(), Instant.now()).status());
  }
}
