package org.ocspcluster.config;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Parses the configuration's enum words, naming the accepted ones when a word is not one. */
final class Words {
  private Words() {}

  static <E extends Enum<E>> E parse(
      Class<E> type, E[] values, String text, Function<E, String> word) {
    for (E value : values) {
      if (word.apply(value).equalsIgnoreCase(text)) {
        return value;
      }
    }
    throw new IllegalArgumentException(
        "'"
            + text
            + "' is not one of "
            + Arrays.stream(values).map(word).collect(Collectors.joining(", ")));
  }
}
