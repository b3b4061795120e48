package org.ocspcluster.config;

import java.nio.file.Path;

/**
 * A member's own signing credential for one revocation configuration (manual assignment): a PEM
 * certificate and key, a PKCS#12 keystore with an optional password file, or a key in a PKCS#11
 * token ({@code token}, with an optional PEM certificate).
 */
public record SignerFiles(
    Path certificate, Path key, Path keystore, Path passwordFile, SigningToken token) {

  public SignerFiles(Path certificate, Path key, Path keystore, Path passwordFile) {
    this(certificate, key, keystore, passwordFile, null);
  }

  SignerFiles resolvedAgainst(Path folder) {
    return new SignerFiles(
        resolve(folder, certificate),
        resolve(folder, key),
        resolve(folder, keystore),
        resolve(folder, passwordFile),
        token == null ? null : token.resolvedAgainst(folder));
  }

  private static Path resolve(Path folder, Path path) {
    return path == null ? null : folder.resolve(path).normalize();
  }
}
