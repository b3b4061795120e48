package org.ocspcluster.config;

import java.util.Map;

/**
 * An NLB port rule: which traffic (cluster IP, port range, protocol) is handled how (filtering
 * mode, affinity). {@code clusterIp} is an IP or {@code all}. Per member and per rule, as in NLB:
 * {@code loadWeights} (multiple host, 0..100; a member left out takes its default weight) and
 * {@code handlingPriorities} (single host, 1 is first; a member left out takes its host priority).
 * {@code mode} is {@code tcp} (relay bytes, the default) or {@code ocsp} (forward each OCSP
 * request, retrying on another member, as set in {@code ocsp}). {@code memberPort} says which port
 * of the member takes the traffic (see {@link MemberPort}).
 */
public record PortRule(
    String name,
    String clusterIp,
    PortRange ports,
    Protocol protocol,
    FilteringMode filteringMode,
    Affinity affinity,
    Map<String, Integer> loadWeights,
    Map<String, Integer> handlingPriorities,
    RuleMode mode,
    OcspForwarding ocsp,
    MemberPort memberPort) {

  public static final String ALL_CLUSTER_IPS = "all";

  /** The weight of a member whose weight nobody set: all such members share equally. */
  public static final int EQUAL_WEIGHT = 100;

  public PortRule {
    clusterIp = clusterIp == null ? ALL_CLUSTER_IPS : clusterIp;
    protocol = protocol == null ? Protocol.TCP : protocol;
    filteringMode = filteringMode == null ? FilteringMode.MULTIPLE_HOST : filteringMode;
    affinity = affinity == null ? Affinity.SINGLE : affinity;
    loadWeights = loadWeights == null ? Map.of() : Map.copyOf(loadWeights);
    handlingPriorities = handlingPriorities == null ? Map.of() : Map.copyOf(handlingPriorities);
    mode = mode == null ? RuleMode.TCP : mode;
    ocsp = ocsp == null ? OcspForwarding.defaults() : ocsp;
    memberPort = memberPort == null ? MemberPort.ADDRESS : memberPort;
    if (name == null && ports != null) {
      name = protocol.name().toLowerCase(java.util.Locale.ROOT) + "-" + ports;
    }
  }

  public PortRule(
      String name,
      String clusterIp,
      PortRange ports,
      Protocol protocol,
      FilteringMode filteringMode,
      Affinity affinity) {
    this(name, clusterIp, ports, protocol, filteringMode, affinity, null, null, null, null, null);
  }

  public PortRule(
      String name,
      String clusterIp,
      PortRange ports,
      Protocol protocol,
      FilteringMode filteringMode,
      Affinity affinity,
      Map<String, Integer> loadWeights,
      Map<String, Integer> handlingPriorities) {
    this(
        name,
        clusterIp,
        ports,
        protocol,
        filteringMode,
        affinity,
        loadWeights,
        handlingPriorities,
        null,
        null,
        null);
  }

  /** The same rule carried in {@code mode} (tests and benchmarks). */
  public PortRule withMode(RuleMode mode, OcspForwarding ocsp) {
    return with(mode, ocsp, memberPort);
  }

  /** The same rule sending its traffic to {@code port} of each member. */
  public PortRule withMemberPort(MemberPort port) {
    return with(mode, ocsp, port);
  }

  private PortRule with(RuleMode mode, OcspForwarding ocsp, MemberPort port) {
    return new PortRule(
        name,
        clusterIp,
        ports,
        protocol,
        filteringMode,
        affinity,
        loadWeights,
        handlingPriorities,
        mode,
        ocsp,
        port);
  }

  /** The member's load weight under this rule. */
  public int weightOf(Member member) {
    Integer w = loadWeights.get(member.name());
    if (w == null) {
      w = member.weight();
    }
    return w == null ? EQUAL_WEIGHT : w;
  }

  /** The member's handling priority under this rule (lower is first). */
  public int handlingPriorityOf(Member member) {
    Integer p = handlingPriorities.get(member.name());
    return p == null ? member.priority() : p;
  }

  public boolean coversTcp() {
    return protocol == Protocol.TCP || protocol == Protocol.BOTH;
  }

  public boolean coversUdp() {
    return protocol == Protocol.UDP || protocol == Protocol.BOTH;
  }
}
