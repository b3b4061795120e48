package org.ocspcluster.config;

import java.nio.file.Path;

/**
 * A signing key kept in a PKCS#11 token (an HSM, or SoftHSM2): the module {@code library}, which
 * token ({@code slot} id, or {@code slotListIndex}; neither: every token is searched for the key),
 * the key's label ({@code keyLabel}, its CKA_LABEL, as `pkcs11-tool --list-objects` shows it) and
 * the PIN in an owner-only {@code pinFile}. The private key never leaves the token; the signing
 * certificate is the configuration's {@code signingCertificate}, or the token's certificate with
 * the same label.
 */
public record SigningToken(
    Path library, Long slot, Integer slotListIndex, String keyLabel, Path pinFile) {

  SigningToken resolvedAgainst(Path folder) {
    return new SigningToken(
        library == null ? null : folder.resolve(library).normalize(),
        slot,
        slotListIndex,
        keyLabel,
        pinFile == null ? null : folder.resolve(pinFile).normalize());
  }
}
