package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;

/**
 * How the balancer judges members: the probe schedule (interval, timeout, rise and fall counts, a
 * faster interval while a member is changing state, and another while it is down), what a passing
 * OCSP answer must satisfy (clock skew on thisUpdate, margin before nextUpdate, a nonce), when a
 * signer counts as expiring, passive detection (refused or timed-out connects in a row), what
 * happens to a failed member's open connections, and the panic policy when every member is down.
 */
public record HealthSettings(
    Duration interval,
    Duration timeout,
    Integer rise,
    Integer fall,
    Duration fastInterval,
    Duration clockSkew,
    Duration nextUpdateMargin,
    Integer signerWarningDays,
    Boolean nonce,
    Integer passiveFailures,
    FailedConnections failedConnections,
    Panic panic,
    Duration downInterval) {

  public HealthSettings {
    interval = interval == null ? Duration.ofSeconds(2) : interval;
    timeout = timeout == null ? Duration.ofSeconds(2) : timeout;
    rise = rise == null ? 2 : rise;
    fall = fall == null ? 2 : fall;
    fastInterval = fastInterval == null ? Duration.ofMillis(100) : fastInterval;
    clockSkew = clockSkew == null ? Duration.ofMinutes(1) : clockSkew;
    nextUpdateMargin = nextUpdateMargin == null ? Duration.ofMinutes(1) : nextUpdateMargin;
    signerWarningDays = signerWarningDays == null ? 14 : signerWarningDays;
    nonce = nonce == null || nonce;
    passiveFailures = passiveFailures == null ? 3 : passiveFailures;
    failedConnections = failedConnections == null ? FailedConnections.FINISH : failedConnections;
    panic = panic == null ? Panic.SEND_TO_ALL : panic;
    // A member that is down is probed this often, so that one back from a restart is seen at once
    // (HAProxy's downinter): a probe of a member that is not there costs a refused connect.
    downInterval = downInterval == null ? fastInterval : downInterval;
  }

  public static HealthSettings defaults() {
    return new HealthSettings(
        null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /**
   * A failed member's open connections: may finish (until the drain timeout), or are cut at once.
   */
  public enum FailedConnections {
    FINISH("finish"),
    CUT("cut");

    private final String word;

    FailedConnections(String word) {
      this.word = word;
    }

    @JsonCreator
    public static FailedConnections parse(String text) {
      return Words.parse(FailedConnections.class, values(), text, f -> f.word);
    }

    @JsonValue
    @Override
    public String toString() {
      return word;
    }
  }

  /** With every started member down: keep sending to all of them (default), or refuse clients. */
  public enum Panic {
    SEND_TO_ALL("sendToAll"),
    REFUSE("refuse");

    private final String word;

    Panic(String word) {
      this.word = word;
    }

    @JsonCreator
    public static Panic parse(String text) {
      return Words.parse(Panic.class, values(), text, p -> p.word);
    }

    @JsonValue
    @Override
    public String toString() {
      return word;
    }
  }
}
