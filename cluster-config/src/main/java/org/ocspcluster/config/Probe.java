package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.file.Path;

/**
 * What the health probe asks for one revocation configuration: a certificate (PEM or DER) or a
 * serial number (decimal, or hex with 0x), and the status the answer must carry ({@code any}
 * accepts every status; the answer's signature and freshness are checked all the same).
 */
public record Probe(Path certificate, String serial, Expect expect) {

  public Probe {
    expect = expect == null ? Expect.ANY : expect;
  }

  Probe resolvedAgainst(Path folder) {
    return new Probe(
        certificate == null ? null : folder.resolve(certificate).normalize(), serial, expect);
  }

  /** The status a probe expects. */
  public enum Expect {
    GOOD("good"),
    REVOKED("revoked"),
    UNKNOWN("unknown"),
    ANY("any");

    private final String word;

    Expect(String word) {
      this.word = word;
    }

    @JsonCreator
    public static Expect parse(String text) {
      return Words.parse(Expect.class, values(), text, e -> e.word);
    }

    @JsonValue
    @Override
    public String toString() {
      return word;
    }
  }
}
