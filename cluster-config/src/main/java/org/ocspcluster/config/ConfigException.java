package org.ocspcluster.config;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration that was refused. Each problem names the file, the field and the reason, so an
 * operator can fix it without reading code.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  /** One refusal: {@code field} is a path such as {@code members[1].address}. */
  public record Problem(String field, String reason) {
    @Override
    public String toString() {
      return field + ": " + reason;
    }
  }

  private final transient Path file;
  private final transient List<Problem> problems;

  public ConfigException(Path file, List<Problem> problems) {
    super(
        problems.stream()
            .map(p -> file + ": " + p)
            .collect(Collectors.joining(System.lineSeparator())));
    this.file = file;
    this.problems = List.copyOf(problems);
  }

  public ConfigException(Path file, String field, String reason) {
    this(file, List.of(new Problem(field, reason)));
  }

  public Path file() {
    return file;
  }

  public List<Problem> problems() {
    return problems;
  }
}
