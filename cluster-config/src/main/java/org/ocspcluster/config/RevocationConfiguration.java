package org.ocspcluster.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a member needs to answer for one CA: the CA certificate, the signing credential (a
 * delegated OCSP signing certificate and its key) and the revocation source (a CRL file), reloaded
 * every {@code refreshInterval}. {@code responseValidity}, when set, bounds how long a signed response
 * is valid (its nextUpdate is never later than the CRL's); unset, responses are valid until the
 * CRL's nextUpdate.
 */
public record RevocationConfiguration(
    String name,
    Path caCertificate,
    Path signingCertificate,
    Path signingKey,
    Path crl,
    Duration refreshInterval,
    Duration responseValidity) {

  public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(5);

  public RevocationConfiguration {
    refreshInterval = refreshInterval == null ? DEFAULT_REFRESH : refreshInterval;
  }

  RevocationConfiguration resolvedAgainst(Path folder) {
    return new RevocationConfiguration(
        name,
        resolve(folder, caCertificate),
        resolve(folder, signingCertificate),
        resolve(folder, signingKey),
        resolve(folder, crl),
        refreshInterval,
        responseValidity);
  }

  private static Path resolve(Path folder, Path path) {
    return path == null ? null : folder.resolve(path).normalize();
  }
}
