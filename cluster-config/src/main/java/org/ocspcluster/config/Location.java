package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where revocation data is read from: a file (relative to the configuration's folder) or an {@code
 * http(s)} URL, as CAs publish CRLs at their CDP. Exactly one of the two is set.
 */
public record Location(Path file, URI url) {

  @JsonCreator
  public static Location parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("expected a file path or an http(s) URL");
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      try {
        URI uri = URI.create(text);
        if (uri.getHost() == null) {
          throw new IllegalArgumentException("'" + text + "' has no host");
        }
        return new Location(null, uri);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + text + "' is not a valid URL: " + e.getMessage());
      }
    }
    if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
      throw new IllegalArgumentException(
          "'" + text + "': only files and http(s) URLs are supported");
    }
    return new Location(Path.of(text), null);
  }

  public boolean isFile() {
    return file != null;
  }

  Location resolvedAgainst(Path folder) {
    return isFile() ? new Location(folder.resolve(file).normalize(), null) : this;
  }

  @JsonValue
  @Override
  public String toString() {
    return isFile() ? file.toString() : url.toString();
  }
}
