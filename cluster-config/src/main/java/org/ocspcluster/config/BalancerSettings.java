package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the balancer treats connections: timeouts, how many members a new connection may try, limits,
 * the PROXY protocol towards members, and where host states an operator set are kept.
 */
public record BalancerSettings(
    Duration connectTimeout,
    Integer connectAttempts,
    Duration idleTimeout,
    Duration drainTimeout,
    Integer maxConnections,
    Integer maxConnectionsPerMember,
    ProxyProtocol proxyProtocol,
    Duration udpIdleTimeout,
    Path stateFile,
    Integer maxConnectionsPerClient) {

  public BalancerSettings {
    connectTimeout = connectTimeout == null ? Duration.ofSeconds(2) : connectTimeout;
    connectAttempts = connectAttempts == null ? 3 : connectAttempts;
    idleTimeout = idleTimeout == null ? Duration.ofMinutes(5) : idleTimeout;
    drainTimeout = drainTimeout == null ? Duration.ofSeconds(30) : drainTimeout;
    maxConnections = maxConnections == null ? 20_000 : maxConnections;
    maxConnectionsPerMember = maxConnectionsPerMember == null ? 10_000 : maxConnectionsPerMember;
    proxyProtocol = proxyProtocol == null ? ProxyProtocol.NONE : proxyProtocol;
    udpIdleTimeout = udpIdleTimeout == null ? Duration.ofSeconds(60) : udpIdleTimeout;
    // One address may hold this many connections through the balancer at once (0: no limit): a
    // single client cannot take every slot. Generous, since many clients may share one NAT address.
    maxConnectionsPerClient = maxConnectionsPerClient == null ? 1_000 : maxConnectionsPerClient;
  }

  public BalancerSettings(
      Duration connectTimeout,
      Integer connectAttempts,
      Duration idleTimeout,
      Duration drainTimeout,
      Integer maxConnections,
      Integer maxConnectionsPerMember,
      ProxyProtocol proxyProtocol,
      Duration udpIdleTimeout,
      Path stateFile) {
    this(
        connectTimeout,
        connectAttempts,
        idleTimeout,
        drainTimeout,
        maxConnections,
        maxConnectionsPerMember,
        proxyProtocol,
        udpIdleTimeout,
        stateFile,
        null);
  }

  public static BalancerSettings defaults() {
    return new BalancerSettings(null, null, null, null, null, null, null, null, null, null);
  }

  BalancerSettings resolvedAgainst(Path folder) {
    return new BalancerSettings(
        connectTimeout,
        connectAttempts,
        idleTimeout,
        drainTimeout,
        maxConnections,
        maxConnectionsPerMember,
        proxyProtocol,
        udpIdleTimeout,
        folder.resolve(stateFile == null ? Path.of("host-state.json") : stateFile).normalize(),
        maxConnectionsPerClient);
  }

  /**
   * Whether (and which) PROXY protocol header the balancer sends a member first, with the client's
   * address.
   */
  public enum ProxyProtocol {
    NONE("none"),
    V1("v1"),
    V2("v2");

    private final String word;

    ProxyProtocol(String word) {
      this.word = word;
    }

    @JsonCreator
    public static ProxyProtocol parse(String text) {
      return Words.parse(ProxyProtocol.class, values(), text, p -> p.word);
    }

    @JsonValue
    @Override
    public String toString() {
      return word;
    }
  }
}
