package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** NLB client affinity for multiple-host rules: per connection, per client IP, per network. */
public enum Affinity {
  NONE("none"),
  SINGLE("single"),
  NETWORK("network");

  private final String word;

  Affinity(String word) {
    this.word = word;
  }

  @JsonCreator
  public static Affinity parse(String text) {
    return Words.parse(Affinity.class, values(), text, a -> a.word);
  }

  @JsonValue
  @Override
  public String toString() {
    return word;
  }
}
