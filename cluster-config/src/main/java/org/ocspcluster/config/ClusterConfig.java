package org.ocspcluster.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One cluster's whole configuration, in the vocabulary of Network Load Balancing: the cluster
 * parameters, its port rules, its members (hosts), the revocation configurations every member
 * serves, how members answer, and the admin listener. Instances come from {@link ConfigLoader},
 * validated, with every path absolute.
 */
public record ClusterConfig(
    Cluster cluster,
    List<PortRule> portRules,
    List<Member> members,
    List<RevocationConfiguration> revocationConfigurations,
    ResponderSettings responder,
    BalancerSettings balancer,
    HealthSettings health,
    Admin admin,
    List<FrontEnd> frontEnds,
    FailoverSettings failover) {

  public ClusterConfig {
    portRules = portRules == null ? null : List.copyOf(portRules);
    members = members == null ? null : List.copyOf(members);
    revocationConfigurations =
        revocationConfigurations == null ? null : List.copyOf(revocationConfigurations);
    responder = responder == null ? new ResponderSettings(null, null, null) : responder;
    balancer = balancer == null ? BalancerSettings.defaults() : balancer;
    health = health == null ? HealthSettings.defaults() : health;
    admin = admin == null ? new Admin(null) : admin;
    frontEnds =
        frontEnds == null
            ? List.of()
            : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(frontEnds));
    failover = failover == null ? FailoverSettings.defaults() : failover;
  }

  /** A configuration without front ends: the balancer alone holds the cluster IP. */
  public ClusterConfig(
      Cluster cluster,
      List<PortRule> portRules,
      List<Member> members,
      List<RevocationConfiguration> revocationConfigurations,
      ResponderSettings responder,
      BalancerSettings balancer,
      HealthSettings health,
      Admin admin) {
    this(
        cluster,
        portRules,
        members,
        revocationConfigurations,
        responder,
        balancer,
        health,
        admin,
        null,
        null);
  }

  public Optional<FrontEnd> frontEnd(String name) {
    return frontEnds.stream().filter(f -> f != null && f.name().equals(name)).findFirst();
  }

  /** Every cluster IP: the primary first, then the additional ones. */
  public List<String> clusterIps() {
    List<String> ips = new java.util.ArrayList<>();
    ips.add(cluster.ip());
    ips.addAll(cluster.additionalIps());
    return ips;
  }

  public Optional<PortRule> rule(String name) {
    return portRules.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  /**
   * The revocation configurations as member {@code name} runs them: with the member's own signing
   * credential where it has one.
   */
  public List<RevocationConfiguration> revocationConfigurationsFor(String name) {
    Map<String, SignerFiles> own = member(name).map(Member::signers).orElse(Map.of());
    return revocationConfigurations.stream()
        .map(
            rc -> {
              SignerFiles f = own.get(rc.name());
              return f == null ? rc : rc.withSigner(f);
            })
        .toList();
  }

  public Optional<Member> member(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst();
  }
}
