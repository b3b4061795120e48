package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** An inclusive port range, written {@code 8080} or {@code 8080-8089}, as in NLB's "from..to". */
public record PortRange(int from, int to) {

  public PortRange {
    if (from < 0 || to > 65535 || from > to) {
      throw new IllegalArgumentException(
          "port range " + from + "-" + to + " is not within 0..65535 with from <= to");
    }
  }

  @JsonCreator
  public static PortRange of(int port) {
    return new PortRange(port, port);
  }

  @JsonCreator
  public static PortRange parse(String text) {
    String[] parts = text.trim().split("\\s*-\\s*", -1);
    try {
      if (parts.length == 1) {
        return of(Integer.parseInt(parts[0]));
      }
      if (parts.length == 2) {
        return new PortRange(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
      }
    } catch (NumberFormatException e) {
      // fall through to the explanation below
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a port or a range FROM-TO (e.g. 8080 or 8080-8089)");
  }

  public boolean contains(int port) {
    return port >= from && port <= to;
  }

  public int size() {
    return to - from + 1;
  }

  @JsonValue
  @Override
  public String toString() {
    return from == to ? Integer.toString(from) : from + "-" + to;
  }
}
