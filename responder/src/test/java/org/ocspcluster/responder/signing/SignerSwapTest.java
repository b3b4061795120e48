package org.ocspcluster.responder.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;

class SignerSwapTest {
  @TempDir Path dir;
  final DemoPki old = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
  final DemoPki renewed = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
  Path certificate;
  Path key;
  Path newKey;

  @BeforeEach
  void oldSignerInPlace() throws Exception {
    certificate = dir.resolve("signer.pem");
    key = dir.resolve("signer.key");
    Pem.write(certificate, old.signer());
    Pem.writePrivateKey(key, old.signerKeys().getPrivate());
    newKey = dir.resolve("new.key");
    Pem.writePrivateKey(newKey, renewed.signerKeys().getPrivate());
  }

  private void assertSignerIs(DemoPki pki) throws Exception {
    assertEquals(pki.signer(), Pem.readCertificate(certificate));
    assertEquals(pki.signerKeys().getPrivate(), Pem.readPrivateKey(key));
  }

  @Test
  void theNewPairReplacesTheOldWhichIsKeptAsPrevious() throws Exception {
    SignerSwap.install(certificate, key, Pem.encode(renewed.signer()), newKey);
    assertSignerIs(renewed);
    assertEquals(old.signer(), Pem.readCertificate(SignerSwap.previous(certificate)));
    assertEquals(old.signerKeys().getPrivate(), Pem.readPrivateKey(SignerSwap.previous(key)));
    assertNull(SignerSwap.finishInterrupted(certificate, key), "nothing left to finish");
    assertEquals(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
        Files.getPosixFilePermissions(key));
  }

  @Test
  void restorePutsTheOldPairBack() throws Exception {
    SignerSwap.install(certificate, key, Pem.encode(renewed.signer()), newKey);
    SignerSwap.restore(certificate, key);
    assertSignerIs(old);
  }

  @Test
  void aSwapStoppedBetweenTheKeyAndTheCertificateIsCompletedSoThePairMatches() throws Exception {
    // As install leaves it when stopped after renaming the key: the new key, the old certificate.
    Pem.write(SignerSwap.next(certificate), renewed.signer());
    Files.copy(newKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertNotNull(SignerSwap.finishInterrupted(certificate, key));
    assertSignerIs(renewed);
    assertFalse(Files.exists(SignerSwap.next(certificate)));
  }

  @Test
  void aSwapStoppedBeforeAnyRenameIsUndone() throws Exception {
    Pem.write(SignerSwap.next(certificate), renewed.signer());
    Files.copy(newKey, SignerSwap.next(key));
    assertNotNull(SignerSwap.finishInterrupted(certificate, key));
    assertSignerIs(old);
    assertFalse(Files.exists(SignerSwap.next(certificate)));
    assertFalse(Files.exists(SignerSwap.next(key)));
  }
}
