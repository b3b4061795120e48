package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How the balancer carries a port rule's traffic: {@code tcp} relays bytes (TLS to the members,
 * anything that is not OCSP); {@code ocsp} reads each HTTP request and forwards it over kept-alive
 * member connections, so a request a member fails is retried on another.
 */
public enum RuleMode {
  TCP("tcp"),
  OCSP("ocsp");

  private final String word;

  RuleMode(String word) {
    this.word = word;
  }

  @JsonCreator
  public static RuleMode parse(String text) {
    return Words.parse(RuleMode.class, values(), text, m -> m.word);
  }

  @JsonValue
  @Override
  public String toString() {
    return word;
  }
}
