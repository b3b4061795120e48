package org.ocspcluster.config;

import java.nio.file.Path;

/**
 * The admin listener: metrics, readiness and control. Loopback by default. With {@code tokenFile}
 * (a file holding the bearer token, readable by its owner only) every call that changes something
 * must carry {@code Authorization: Bearer TOKEN}; a listener on any other address than loopback
 * must have one, since anyone who can reach it could otherwise stop members or apply a
 * configuration.
 */
public record Admin(HostPort listen, Path tokenFile) {
  public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 9464);

  public Admin {
    listen = listen == null ? DEFAULT_LISTEN : listen;
  }

  public Admin(HostPort listen) {
    this(listen, null);
  }

  Admin resolvedAgainst(Path folder) {
    return tokenFile == null ? this : new Admin(listen, folder.resolve(tokenFile).normalize());
  }
}
