package org.ocspcluster.config;

import java.nio.file.Path;

/**
 * A member's own signing credential for one revocation configuration (manual assignment): a PEM
 * certificate and key, or a PKCS#12 keystore with an optional password file.
 */
public record SignerFiles(Path certificate, Path key, Path keystore, Path passwordFile) {

  SignerFiles resolvedAgainst(Path folder) {
    return new SignerFiles(
        resolve(folder, certificate),
        resolve(folder, key),
        resolve(folder, keystore),
        resolve(folder, passwordFile));
  }

  private static Path resolve(Path folder, Path path) {
    return path == null ? null : folder.resolve(path).normalize();
  }
}
