package org.ocspcluster.config;

import java.nio.file.Path;

/**
 * A signing key kept in a PKCS#11 token (an HSM, or SoftHSM2): the module {@code library}, which
 * token ({@code slot} id, or {@code slotListIndex}; neither: every token is searched for the key),
 * the label of the key and its certificate in the token ({@code keyLabel}; SunPKCS11 sees a key
 * only beside its certificate, same CKA_ID) and the PIN in an owner-only {@code pinFile}. The
 * private key never leaves the token; the signing certificate is the configuration's {@code
 * signingCertificate} when given, else the token's. {@code sessions}, when given, bounds the
 * signatures the token makes at once in this process (a hardware token has a fixed number of
 * sessions; without it, one per signing thread).
 */
public record SigningToken(
    Path library,
    Long slot,
    Integer slotListIndex,
    String keyLabel,
    Path pinFile,
    Integer sessions) {

  public SigningToken(
      Path library, Long slot, Integer slotListIndex, String keyLabel, Path pinFile) {
    this(library, slot, slotListIndex, keyLabel, pinFile, null);
  }

  SigningToken resolvedAgainst(Path folder) {
    return new SigningToken(
        library == null ? null : folder.resolve(library).normalize(),
        slot,
        slotListIndex,
        keyLabel,
        pinFile == null ? null : folder.resolve(pinFile).normalize(),
        sessions);
  }
}
