package org.ocspcluster.config;

import java.nio.file.Path;

/**
 * A listener's TLS credential: its certificate chain and private key (PEM, the key PKCS#8 and
 * readable by its owner only), and optionally {@code trust}, the CA certificates (PEM) that those
 * who connect to it should trust: the balancer's probes use it to reach members over HTTPS (the
 * JDK's trust store otherwise). A member addressed by IP needs that IP in its certificate's SAN.
 */
public record TlsFiles(Path certificate, Path key, Path trust) {

  TlsFiles resolvedAgainst(Path folder) {
    return new TlsFiles(resolve(folder, certificate), resolve(folder, key), resolve(folder, trust));
  }

  private static Path resolve(Path folder, Path path) {
    return path == null ? null : folder.resolve(path).normalize();
  }
}
