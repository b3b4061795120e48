package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** NLB filtering modes: spread over all live hosts, send to one host, or refuse. */
public enum FilteringMode {
  MULTIPLE_HOST("multipleHost"),
  SINGLE_HOST("singleHost"),
  DISABLED("disabled");

  private final String word;

  FilteringMode(String word) {
    this.word = word;
  }

  @JsonCreator
  public static FilteringMode parse(String text) {
    return Words.parse(FilteringMode.class, values(), text, m -> m.word);
  }

  @JsonValue
  @Override
  public String toString() {
    return word;
  }
}
