package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Which port of a member a port rule's traffic goes to. {@code address} (the default): the port of
 * the member's {@code address}, whatever port the client reached. {@code same}: the port the client
 * reached, as Windows NLB does (a rule covering 80 and 443 sends a client's 443 to the member's
 * 443). A number: that port on every member's host.
 *
 * @param port the fixed port, or 0 for {@code address} and -1 for {@code same}
 */
public record MemberPort(int port) {
  public static final MemberPort ADDRESS = new MemberPort(0);
  public static final MemberPort SAME = new MemberPort(-1);

  /** Reads {@code address}, {@code same} or a port number from the YAML. */
  @JsonCreator
  public static MemberPort parse(Object value) {
    String text = String.valueOf(value).trim();
    if (text.equalsIgnoreCase("address")) {
      return ADDRESS;
    }
    if (text.equalsIgnoreCase("same")) {
      return SAME;
    }
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65_535) {
        return new MemberPort(port);
      }
    } catch (NumberFormatException notANumber) {
      // said below
    }
    throw new IllegalArgumentException(
        "'"
            + text
            + "' is not a member port: use address (the member's address port, the default),"
            + " same (the port the client reached, as NLB) or a port 1..65535");
  }

  /** Where a connection that reached {@code clientPort} goes on a member at {@code address}. */
  public int portFor(HostPort address, int clientPort) {
    return port == 0 ? address.port() : port < 0 ? clientPort : port;
  }

  @JsonValue
  public Object value() {
    return port == 0 ? "address" : port < 0 ? "same" : (Object) port;
  }

  @Override
  public String toString() {
    return String.valueOf(value());
  }
}
