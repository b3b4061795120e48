package org.ocspcluster.config;

/** The admin listener: metrics, readiness and (later) control. Loopback by default. */
public record Admin(HostPort listen) {
  public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 9464);

  public Admin {
    listen = listen == null ? DEFAULT_LISTEN : listen;
  }
}
