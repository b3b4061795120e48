package org.ocspcluster.responder.http;

import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Says why a listener could not bind, in words an operator acts on: which part wanted which address
 * and port, what the system said (not Netty's "bind(..) failed with error(-98)"), and the fix.
 */
public final class ListenErrors {
  private ListenErrors() {}

  /**
   * {@code part} (e.g. "member responder-1") cannot listen on {@code address}: why, and what to do;
   * {@code setting} names the configuration field that chose the address.
   */
  public static String describe(
      String part, InetSocketAddress address, Throwable cause, String setting) {
    String at =
        (address.getAddress() == null
                ? address.getHostString()
                : address.getAddress().getHostAddress())
            + ":"
            + address.getPort();
    String said = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    String lower = said.toLowerCase(Locale.ROOT);
    String why;
    if (lower.contains("address already in use") || lower.contains("error(-98)")) {
      why =
          "the port is already in use by another process (`ss -ltnup 'sport = :"
              + address.getPort()
              + "'` shows which); stop it or change "
              + setting;
    } else if (lower.contains("cannot assign requested address") || lower.contains("error(-99)")) {
      why =
          address.getHostString()
              + " is not an address of this machine (`ip -br address` lists them); add it or"
              + " change "
              + setting;
    } else if ((lower.contains("permission denied") || lower.contains("error(-13)"))
        && address.getPort() < 1024) {
      why =
          "ports below 1024 need root or the CAP_NET_BIND_SERVICE capability; grant it or change "
              + setting;
    } else {
      why = said + "; check " + setting;
    }
    return part + " cannot listen on " + at + ": " + why;
  }
}
