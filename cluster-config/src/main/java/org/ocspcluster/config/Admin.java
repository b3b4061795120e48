package org.ocspcluster.config;

import java.nio.file.Path;

/**
 * The admin listener: metrics, readiness and control. Loopback by default. With {@code tokenFile}
 * (a file holding the bearer token, readable by its owner only) every call that changes something
 * must carry {@code Authorization: Bearer TOKEN}; a listener on any other address than loopback
 * must have one, since anyone who can reach it could otherwise stop members or apply a
 * configuration. With {@code tls}, the listener speaks HTTPS only.
 */
public record Admin(HostPort listen, Path tokenFile, TlsFiles tls) {
  public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 9464);

  public Admin {
    listen = listen == null ? DEFAULT_LISTEN : listen;
  }

  public Admin(HostPort listen) {
    this(listen, null, null);
  }

  Admin resolvedAgainst(Path folder) {
    return new Admin(
        listen,
        tokenFile == null ? null : folder.resolve(tokenFile).normalize(),
        tls == null ? null : tls.resolvedAgainst(folder));
  }
}
