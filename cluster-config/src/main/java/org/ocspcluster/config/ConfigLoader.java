package org.ocspcluster.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads {@code cluster.yaml}: binds it with Jackson YAML, resolves relative paths against the
 * file's folder, and validates it. Every refusal is a {@link ConfigException} naming the file, the
 * field and the reason; nothing half-read is ever returned. {@link #parse} validates the model
 * alone and reads no other file; {@link #load}, for a process on the machine that holds the files,
 * also runs every {@link FileChecks file check}.
 */
public final class ConfigLoader {

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .registerModule(
              new SimpleModule().addDeserializer(Duration.class, new DurationDeserializer()));

  private ConfigLoader() {}

  /**
   * Reads and validates {@code file}, and checks every file it names (see {@link FileChecks#all}).
   */
  public static ClusterConfig load(Path file) throws ConfigException {
    Path absolute = file.toAbsolutePath().normalize();
    String text;
    try {
      text = Files.readString(absolute);
    } catch (NoSuchFileException e) {
      throw new ConfigException(absolute, "(file)", "does not exist");
    } catch (IOException e) {
      throw new ConfigException(absolute, "(file)", "cannot be read: " + e.getMessage());
    }
    return read(absolute, text, true);
  }

  /**
   * Parses and validates {@code text} as if read from {@code file} (which names errors and anchors
   * paths); reads nothing from the file system.
   */
  public static ClusterConfig parse(Path file, String text) throws ConfigException {
    return read(file.toAbsolutePath().normalize(), text, false);
  }

  /**
   * Binds, resolves and validates; with {@code files}, every problem of the files too, all at once.
   */
  private static ClusterConfig read(Path absolute, String text, boolean files)
      throws ConfigException {
    ClusterConfig raw;
    UnknownKeys unknown = new UnknownKeys();
    try {
      raw = YAML.readerFor(ClusterConfig.class).withHandler(unknown).readValue(text);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          absolute,
          fieldOf(e),
          "unknown key '" + e.getPropertyName() + "'" + known(e.getKnownPropertyIds()));
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof JsonProcessingException syntax) {
        throw syntaxError(absolute, syntax);
      }
      // Binding stops at a bad value; the unknown keys found before it are said with it.
      List<ConfigException.Problem> problems = new java.util.ArrayList<>(unknown.problems);
      problems.add(new ConfigException.Problem(fieldOf(e), reasonOf(e)));
      throw new ConfigException(absolute, problems);
    } catch (JsonProcessingException e) {
      throw syntaxError(absolute, e);
    }
    if (raw == null) {
      throw new ConfigException(absolute, "(file)", "is empty");
    }
    Path folder = absolute.getParent();
    ClusterConfig resolved =
        raw.revocationConfigurations() == null
            ? raw
            : new ClusterConfig(
                raw.cluster(),
                raw.portRules(),
                raw.members(),
                raw.revocationConfigurations().stream()
                    .map(rc -> rc == null ? null : rc.resolvedAgainst(folder))
                    .collect(Collectors.toList()),
                raw.responder(),
                raw.balancer(),
                raw.health(),
                raw.admin(),
                raw.frontEnds(),
                raw.failover());
    List<Member> members =
        resolved.members() == null
            ? null
            : resolved.members().stream()
                .map(m -> m == null ? null : m.resolvedAgainst(folder))
                .collect(Collectors.toList());
    resolved =
        new ClusterConfig(
            resolved.cluster(),
            resolved.portRules(),
            members,
            resolved.revocationConfigurations(),
            resolved.responder().resolvedAgainst(folder),
            resolved.balancer().resolvedAgainst(folder),
            resolved.health(),
            resolved.admin().resolvedAgainst(folder),
            resolved.frontEnds(),
            resolved.failover());
    List<ConfigException.Problem> problems = new java.util.ArrayList<>(unknown.problems);
    problems.addAll(new Validator().problems(resolved));
    if (files) {
      problems.addAll(FileChecks.all(resolved));
    }
    FileChecks.refuseIfAny(absolute, problems);
    return resolved;
  }

  /**
   * Notes each unknown key and skips it, so that binding goes on and every other problem of the
   * file is reported with it; a typo must not hide the rest.
   */
  private static final class UnknownKeys
      extends com.fasterxml.jackson.databind.deser.DeserializationProblemHandler {
    final List<ConfigException.Problem> problems = new java.util.ArrayList<>();

    @Override
    public boolean handleUnknownProperty(
        DeserializationContext context,
        JsonParser parser,
        JsonDeserializer<?> deserializer,
        Object beanOrClass,
        String propertyName)
        throws IOException {
      problems.add(
          new ConfigException.Problem(
              fieldAt(parser.getParsingContext()),
              "unknown key '" + propertyName + "'" + known(deserializer.getKnownPropertyNames())));
      parser.skipChildren();
      return true;
    }

    /** The field the parser is at, as Problems name fields: {@code members[0].colour}. */
    private static String fieldAt(com.fasterxml.jackson.core.JsonStreamContext at) {
      java.util.Deque<String> parts = new java.util.ArrayDeque<>();
      for (var c = at; c != null && !c.inRoot(); c = c.getParent()) {
        if (c.inArray()) {
          parts.push("[" + c.getCurrentIndex() + "]");
        } else if (c.getCurrentName() != null) {
          parts.push("." + c.getCurrentName());
        }
      }
      String field = String.join("", parts);
      return field.startsWith(".") ? field.substring(1) : field;
    }
  }

  private static ConfigException syntaxError(Path file, JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String message = e.getOriginalMessage().lines().findFirst().orElse("").trim();
    return new ConfigException(
        file, at == null ? "(syntax)" : "line " + at.getLineNr(), "not valid YAML: " + message);
  }

  private static String known(Collection<Object> ids) {
    if (ids == null || ids.isEmpty()) {
      return "";
    }
    return "; known keys: "
        + ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
  }

  static String fieldOf(JsonMappingException e) {
    StringBuilder field = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (field.length() > 0) {
          field.append('.');
        }
        field.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        field.append('[').append(ref.getIndex()).append(']');
      }
    }
    return field.length() == 0 ? "(top level)" : field.toString();
  }

  private static String reasonOf(JsonMappingException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof IllegalArgumentException && root.getMessage() != null) {
      return root.getMessage();
    }
    String message = e.getOriginalMessage();
    // Jackson's own messages name Java types; keep the first sentence, which says what was wrong.
    int cut = message.indexOf(" at [Source");
    return cut > 0 ? message.substring(0, cut) : message;
  }

  /**
   * Durations as operators write them: {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, or
   * ISO-8601.
   */
  static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      return parseDuration(parser.getValueAsString());
    }
  }

  static Duration parseDuration(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("expected a duration such as 30s, 5m, 1h or 2d");
    }
    String t = text.trim();
    try {
      if (t.startsWith("P") || t.startsWith("p")) {
        return Duration.parse(t);
      }
      char unit = t.charAt(t.length() - 1);
      String digits = t.substring(0, t.length() - 1);
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      long n = Long.parseLong(digits);
      Duration parsed =
          switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> null;
          };
      if (parsed != null) {
        return parsed;
      }
    } catch (RuntimeException e) {
      // fall through to the explanation
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a duration such as 30s, 5m, 1h or 2d");
  }
}
