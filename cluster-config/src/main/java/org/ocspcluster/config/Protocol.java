package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The protocols a port rule covers. */
public enum Protocol {
  TCP("tcp"),
  UDP("udp"),
  BOTH("both");

  private final String word;

  Protocol(String word) {
    this.word = word;
  }

  @JsonCreator
  public static Protocol parse(String text) {
    return Words.parse(Protocol.class, values(), text, p -> p.word);
  }

  @JsonValue
  @Override
  public String toString() {
    return word;
  }
}
