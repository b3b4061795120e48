package org.ocspcluster.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks a bound configuration for what the types cannot say; collects every problem at once. */
final class Validator {

  /** A port rule may open at most this many listeners. */
  static final int MAX_RULE_PORTS = 1024;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}");
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

  private final List<ConfigException.Problem> problems = new ArrayList<>();

  Validator() {}

  /** Every problem of the model, none of them read from the file system. */
  List<ConfigException.Problem> problems(ClusterConfig config) {
    cluster(config.cluster());
    members(config.members());
    portRules(
        config.portRules(), config.cluster(), config.members(), config.responder().tls() != null);
    balancer(config.balancer());
    health(config.health());
    revocationConfigurations(config.revocationConfigurations());
    memberSigners(config);
    admin(config.admin());
    frontEnds(config);
    ResponderSettings r = config.responder();
    if (r.maxConnections() < 1) {
      problem("responder.maxConnections", "must be 1 or more");
    }
    if (r.maxConnectionsPerClient() < 0) {
      problem("responder.maxConnectionsPerClient", "must be 0 (no per-client limit) or more");
    }
    positive("responder.requestTimeout", r.requestTimeout());
    tls("responder.tls", r.tls());
    tls("admin.tls", config.admin().tls());
    if (config.responder().cacheEntries() < 0) {
      problem("responder.cacheEntries", "must be 0 (no pre-produced responses) or more");
    }
    return List.copyOf(problems);
  }

  private void problem(String field, String reason) {
    problems.add(new ConfigException.Problem(field, reason));
  }

  private void cluster(Cluster cluster) {
    if (cluster == null) {
      problem("cluster", "is required (name, fqdn, ip)");
      return;
    }
    if (cluster.name() == null || !NAME.matcher(cluster.name()).matches()) {
      problem("cluster.name", "is required: letters, digits, '.', '_' or '-'");
    }
    if (cluster.fqdn() == null || cluster.fqdn().isBlank()) {
      problem(
          "cluster.fqdn",
          "is required: the name clients use, as written in the certificates' OCSP URI");
    }
    if (cluster.ip() == null || !isIpLiteral(cluster.ip())) {
      problem(
          "cluster.ip",
          "is required: an IPv4 or IPv6 address the balancer listens on, e.g. 127.0.0.1");
    }
    java.util.Set<String> ips = new java.util.HashSet<>();
    ips.add(cluster.ip());
    for (int i = 0; i < cluster.additionalIps().size(); i++) {
      String ip = cluster.additionalIps().get(i);
      if (ip == null || !isIpLiteral(ip)) {
        problem("cluster.additionalIps[" + i + "]", "'" + ip + "' is not an IPv4 or IPv6 address");
      } else if (!ips.add(ip)) {
        problem("cluster.additionalIps[" + i + "]", ip + " is already a cluster IP");
      }
    }
    if (!"unicast".equals(cluster.mode())) {
      problem(
          "cluster.mode",
          "'"
              + cluster.mode()
              + "' is not supported: only unicast has a meaning for a "
              + "software balancer (NLB's multicast modes only change how the cluster MAC is presented)");
    }
  }

  private void portRules(
      List<PortRule> rules, Cluster cluster, List<Member> members, boolean tlsMembers) {
    java.util.Set<String> memberNames = new java.util.HashSet<>();
    if (members != null) {
      members.stream().filter(java.util.Objects::nonNull).forEach(m -> memberNames.add(m.name()));
    }
    if (rules == null || rules.isEmpty()) {
      problem("portRules", "at least one port rule is required (e.g. ports: 8080, protocol: tcp)");
      return;
    }
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < rules.size(); i++) {
      String at = "portRules[" + i + "]";
      PortRule rule = rules.get(i);
      if (rule == null) {
        problem(at, "is empty");
        continue;
      }
      if (rule.ports() == null) {
        problem(at + ".ports", "is required: a port or a range FROM-TO");
        continue;
      }
      if (rule.ports().size() > MAX_RULE_PORTS) {
        problem(
            at + ".ports",
            "range "
                + rule.ports()
                + " opens "
                + rule.ports().size()
                + " listeners; at most "
                + MAX_RULE_PORTS
                + " are allowed, split the rule or narrow it");
      }
      if (rule.ports().from() == 0) {
        problem(at + ".ports", "port 0 cannot be listened on; start the range at 1");
      }
      if (!NAME.matcher(rule.name()).matches()) {
        problem(at + ".name", "'" + rule.name() + "' must be letters, digits, '.', '_' or '-'");
      } else if (names.putIfAbsent(rule.name(), i) != null) {
        problem(
            at + ".name",
            "'" + rule.name() + "' is already used by portRules[" + names.get(rule.name()) + "]");
      }
      if (!PortRule.ALL_CLUSTER_IPS.equals(rule.clusterIp())
          && (cluster == null
              || !(rule.clusterIp().equals(cluster.ip())
                  || cluster.additionalIps().contains(rule.clusterIp())))) {
        problem(
            at + ".clusterIp",
            "'"
                + rule.clusterIp()
                + "' is not a cluster IP; use 'all', cluster.ip or one of "
                + "cluster.additionalIps");
      }
      rule.loadWeights()
          .forEach(
              (member, weight) -> {
                if (!memberNames.contains(member)) {
                  problem(
                      at + ".loadWeights." + member,
                      "is not a member; members are " + new java.util.TreeSet<>(memberNames));
                } else if (weight == null || weight < 0 || weight > 100) {
                  problem(at + ".loadWeights." + member, weight + " is outside 0..100");
                }
              });
      Map<Integer, String> handling = new HashMap<>();
      rule.handlingPriorities()
          .forEach(
              (member, priority) -> {
                if (!memberNames.contains(member)) {
                  problem(
                      at + ".handlingPriorities." + member,
                      "is not a member; members are " + new java.util.TreeSet<>(memberNames));
                } else if (priority == null || priority < 1 || priority > 32) {
                  problem(at + ".handlingPriorities." + member, priority + " is outside 1..32");
                } else if (handling.putIfAbsent(priority, member) != null) {
                  problem(
                      at + ".handlingPriorities." + member,
                      priority
                          + " is already "
                          + handling.get(priority)
                          + "'s; handling priorities are unique within a rule");
                }
              });
      if (!rule.handlingPriorities().isEmpty()
          && rule.filteringMode() != FilteringMode.SINGLE_HOST) {
        problem(at + ".handlingPriorities", "only single-host rules use handling priorities");
      }
      ocspMode(at, rule, tlsMembers);
      if (rule.mode() == RuleMode.OCSP
          && rule.memberPort().equals(MemberPort.SAME)
          && rule.ports().size() > 1) {
        problem(
            at + ".memberPort",
            "same with a port range: an ocsp rule keeps connections to one port per member; give"
                + " a port number, or use mode tcp");
      }
      for (int j = 0; j < i; j++) {
        PortRule other = rules.get(j);
        if (other != null && other.ports() != null && overlaps(rule, other)) {
          problem(
              at + ".ports",
              rule.ports()
                  + " overlaps portRules["
                  + j
                  + "] ("
                  + other.ports()
                  + "); rules must not overlap");
        }
      }
    }
  }

  /** What a {@code mode: ocsp} rule needs: TCP, members speaking plain HTTP, sane bounds. */
  private void ocspMode(String at, PortRule rule, boolean tlsMembers) {
    if (rule.mode() != RuleMode.OCSP) {
      return;
    }
    if (rule.protocol() != Protocol.TCP) {
      problem(
          at + ".mode",
          "ocsp reads HTTP over TCP: set protocol: tcp, or use mode: tcp for "
              + rule.protocol()
              + " traffic");
    }
    if (tlsMembers) {
      problem(
          at + ".mode",
          "ocsp forwards plain HTTP to the members, which responder.tls makes answer HTTPS only: use"
              + " mode: tcp to relay TLS to the members");
    }
    OcspForwarding o = rule.ocsp();
    String ocsp = at + ".ocsp";
    if (o.tries() < 1 || o.tries() > 10) {
      problem(ocsp + ".tries", "must be 1 (no retry) to 10");
    }
    positive(ocsp + ".tryTimeout", o.tryTimeout());
    if (o.tryTimeout().compareTo(java.time.Duration.ofSeconds(10)) > 0) {
      problem(
          ocsp + ".tryTimeout",
          "must be 10s or less (a member slower than that is failing; the client is waiting)");
    }
    if (o.retryBudget() < 0 || o.retryBudget() > 100) {
      problem(ocsp + ".retryBudget", "must be a percentage of requests, 0 to 100");
    }
    if (o.minRetriesPerSecond() < 0) {
      problem(ocsp + ".minRetriesPerSecond", "must be 0 or more");
    }
    if (o.connectionsPerMember() < 1 || o.connectionsPerMember() > 10_000) {
      problem(ocsp + ".connectionsPerMember", "must be 1 to 10000");
    }
    if (o.cache() != null) {
      if (o.cache().entries() < 1) {
        problem(ocsp + ".cache.entries", "must be 1 or more (leave out cache: for no cache)");
      }
      if (o.cache().megabytes() < 1 || o.cache().megabytes() > 4096) {
        problem(ocsp + ".cache.megabytes", "must be 1 to 4096");
      }
    }
  }

  private static boolean overlaps(PortRule a, PortRule b) {
    boolean sameIp =
        a.clusterIp().equals(b.clusterIp())
            || PortRule.ALL_CLUSTER_IPS.equals(a.clusterIp())
            || PortRule.ALL_CLUSTER_IPS.equals(b.clusterIp());
    boolean sameProtocol =
        a.protocol() == b.protocol()
            || a.protocol() == Protocol.BOTH
            || b.protocol() == Protocol.BOTH;
    return sameIp
        && sameProtocol
        && a.ports().from() <= b.ports().to()
        && b.ports().from() <= a.ports().to();
  }

  private void members(List<Member> members) {
    if (members == null || members.isEmpty()) {
      problem("members", "at least one member is required (name, address, priority)");
      return;
    }
    Map<String, Integer> names = new HashMap<>();
    Map<Integer, Integer> priorities = new HashMap<>();
    Map<HostPort, Integer> addresses = new HashMap<>();
    for (int i = 0; i < members.size(); i++) {
      String at = "members[" + i + "]";
      Member m = members.get(i);
      if (m == null) {
        problem(at, "is empty");
        continue;
      }
      if (m.name() == null || !NAME.matcher(m.name()).matches()) {
        problem(at + ".name", "is required: letters, digits, '.', '_' or '-'");
      } else if (names.putIfAbsent(m.name(), i) != null) {
        problem(
            at + ".name",
            "'" + m.name() + "' is already used by members[" + names.get(m.name()) + "]");
      }
      if (m.address() == null) {
        problem(at + ".address", "is required: HOST:PORT where the member's responder listens");
      } else if (addresses.putIfAbsent(m.address(), i) != null) {
        problem(
            at + ".address",
            m.address() + " is already used by members[" + addresses.get(m.address()) + "]");
      }
      if (m.priority() == null || m.priority() < 1 || m.priority() > 32) {
        problem(
            at + ".priority", "is required: a unique number 1..32, 1 being the highest priority");
      } else if (priorities.putIfAbsent(m.priority(), i) != null) {
        problem(
            at + ".priority",
            m.priority()
                + " is already used by members["
                + priorities.get(m.priority())
                + "]; host priorities are unique");
      }
      if (m.weight() != null && (m.weight() < 0 || m.weight() > 100)) {
        problem(at + ".weight", m.weight() + " is outside 0..100 (leave it out for equal load)");
      }
      m.signers()
          .forEach(
              (configuration, files) -> {
                String field = at + ".signers." + configuration;
                if (files == null) {
                  problem(field, "is empty: give certificate and key, keystore, or token");
                  return;
                }
                if (files.token() != null) {
                  if (files.key() != null || files.keystore() != null) {
                    problem(field + ".token", "give a key in a token, or key / keystore, not both");
                  }
                  token(field + ".token", files.token());
                } else if (files.keystore() != null) {
                  readable(
                      field + ".keystore",
                      files.keystore(),
                      "the member's PKCS#12 signing credential");
                } else {
                  readable(
                      field + ".certificate",
                      files.certificate(),
                      "the member's signing certificate (PEM)");
                  readable(field + ".key", files.key(), "the member's signing key (PEM)");
                }
              });
      if (m.initialState() == Member.HostState.DRAINING) {
        problem(
            at + ".initialState",
            "draining is reached by drainstop; start as started, stopped or suspended");
      }
    }
  }

  private void memberSigners(ClusterConfig config) {
    if (config.members() == null || config.revocationConfigurations() == null) {
      return;
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    config.revocationConfigurations().stream()
        .filter(java.util.Objects::nonNull)
        .forEach(rc -> names.add(rc.name()));
    for (int i = 0; i < config.members().size(); i++) {
      Member m = config.members().get(i);
      if (m == null) {
        continue;
      }
      for (Map.Entry<String, SignerFiles> signer : m.signers().entrySet()) {
        String at = "members[" + i + "].signers." + signer.getKey();
        if (!names.contains(signer.getKey())) {
          problem(
              at, "is not a revocation configuration; they are " + new java.util.TreeSet<>(names));
        }
      }
    }
  }

  private void balancer(BalancerSettings b) {
    positive("balancer.connectTimeout", b.connectTimeout());
    positive("balancer.idleTimeout", b.idleTimeout());
    positive("balancer.drainTimeout", b.drainTimeout());
    positive("balancer.udpIdleTimeout", b.udpIdleTimeout());
    if (b.connectAttempts() < 1 || b.connectAttempts() > 32) {
      problem("balancer.connectAttempts", b.connectAttempts() + " is outside 1..32");
    }
    if (b.maxConnections() < 1) {
      problem("balancer.maxConnections", "must be at least 1");
    }
    if (b.maxConnectionsPerMember() < 1) {
      problem("balancer.maxConnectionsPerMember", "must be at least 1");
    }
    if (b.maxConnectionsPerClient() < 0) {
      problem("balancer.maxConnectionsPerClient", "must be 0 (no per-client limit) or more");
    }
  }

  private void health(HealthSettings h) {
    positive("health.interval", h.interval());
    positive("health.timeout", h.timeout());
    positive("health.fastInterval", h.fastInterval());
    positive("health.downInterval", h.downInterval());
    if (h.rise() < 1) {
      problem("health.rise", "must be at least 1");
    }
    if (h.fall() < 1) {
      problem("health.fall", "must be at least 1");
    }
    if (h.passiveFailures() < 1) {
      problem("health.passiveFailures", "must be at least 1");
    }
    if (h.signerWarningDays() < 0) {
      problem("health.signerWarningDays", "must be 0 or more");
    }
    if (h.clockSkew().isNegative() || h.nextUpdateMargin().isNegative()) {
      problem("health.clockSkew", "clockSkew and nextUpdateMargin must not be negative");
    }
  }

  private void positive(String field, java.time.Duration d) {
    if (d.isNegative() || d.isZero()) {
      problem(field, "must be positive, e.g. 30s");
    }
  }

  private void revocationConfigurations(List<RevocationConfiguration> configurations) {
    if (configurations == null || configurations.isEmpty()) {
      problem(
          "revocationConfigurations",
          "at least one is required (caCertificate, signingCertificate, signingKey, crl)");
      return;
    }
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < configurations.size(); i++) {
      String at = "revocationConfigurations[" + i + "]";
      RevocationConfiguration rc = configurations.get(i);
      if (rc == null) {
        problem(at, "is empty");
        continue;
      }
      if (rc.name() == null || !NAME.matcher(rc.name()).matches()) {
        problem(at + ".name", "is required: letters, digits, '.', '_' or '-'");
      } else if (names.putIfAbsent(rc.name(), i) != null) {
        problem(
            at + ".name",
            "'"
                + rc.name()
                + "' is already used by revocationConfigurations["
                + names.get(rc.name())
                + "]");
      }
      readable(at + ".caCertificate", rc.caCertificate(), "the CA certificate (PEM or DER)");
      signer(at, rc);
      source(at, rc);
      if (rc.refreshInterval().isNegative() || rc.refreshInterval().isZero()) {
        problem(at + ".refreshInterval", "must be positive, e.g. 5m");
      }
      probe(at + ".probe", rc.probe());
      renewal(at + ".renewal", rc);
      if (rc.profile() == RevocationConfiguration.Profile.CABFORUM) {
        java.time.Duration validity = rc.effectiveResponseValidity();
        if (validity.compareTo(java.time.Duration.ofHours(8)) < 0
            || validity.compareTo(java.time.Duration.ofDays(10)) > 0) {
          problem(
              at + ".responseValidity",
              "must be between 8h and 10d under profile cabforum (Baseline Requirements 4.9.10),"
                  + " e.g. 7d, the default");
        }
      } else if (rc.responseValidity() != null
          && rc.responseValidity().compareTo(java.time.Duration.ofMinutes(1)) < 0) {
        problem(
            at + ".responseValidity",
            "must be at least 1m (leave it out to use the CRL's nextUpdate)");
      }
    }
  }

  private void signer(String at, RevocationConfiguration rc) {
    boolean pem = rc.signingCertificate() != null || rc.signingKey() != null;
    SigningToken token = rc.signingToken();
    if (token != null) {
      if (rc.signingKey() != null || rc.signingKeystore() != null) {
        problem(
            at + ".signingToken",
            "give the key in a token, or signingKey / signingKeystore, not both");
      }
      token(at + ".signingToken", token);
      return;
    }
    if (pem && rc.signingKeystore() != null) {
      problem(
          at + ".signingKeystore",
          "give either signingCertificate and signingKey, or signingKeystore, not both");
    } else if (rc.signingKeystore() != null) {
      secret(
          at + ".signingKeystore",
          rc.signingKeystore(),
          "the PKCS#12 file with the signing key and certificate");
      if (rc.signingKeystorePasswordFile() != null) {
        secret(
            at + ".signingKeystorePasswordFile",
            rc.signingKeystorePasswordFile(),
            "a file holding the keystore's password");
      }
    } else {
      readable(
          at + ".signingCertificate",
          rc.signingCertificate(),
          "the OCSP signing certificate (PEM), or signingKeystore for a PKCS#12 file");
      secret(at + ".signingKey", rc.signingKey(), "the signing certificate's private key (PEM)");
      if (rc.signingKeystorePasswordFile() != null) {
        problem(at + ".signingKeystorePasswordFile", "only goes with signingKeystore");
      }
    }
  }

  private void renewal(String at, RevocationConfiguration rc) {
    Renewal r = rc.renewal();
    if (r == null) {
      return;
    }
    if (r.helper() == null || r.helper().isBlank()) {
      problem(at + ".helper", "is required: the enrolment helper's command (see the README)");
    }
    if (r.before() != null && (r.before().isNegative() || r.before().isZero())) {
      problem(at + ".before", "must be positive, e.g. 14d");
    }
    if (r.before() != null && r.atPercent() != null) {
      problem(at + ".atPercent", "give before or atPercent, not both");
    } else if (r.atPercent() != null && (r.atPercent() < 1 || r.atPercent() > 99)) {
      problem(at + ".atPercent", r.atPercent() + " is outside 1..99");
    }
    if (!"ec".equalsIgnoreCase(r.keyType()) && !"rsa".equalsIgnoreCase(r.keyType())) {
      problem(at + ".keyType", "'" + r.keyType() + "' is not ec or rsa");
    }
    if (rc.signingKeystore() != null) {
      problem(
          at,
          "renews PEM signers and keys in a token only; a PKCS#12 signer is renewed by hand"
              + " (signer-request, assign-signer)");
    }
    if (r.retry().isNegative() || r.retry().isZero()) {
      problem(at + ".retry", "must be positive, e.g. 5m");
    }
  }

  private void token(String at, SigningToken token) {
    readable(at + ".library", token.library(), "the PKCS#11 module (.so)");
    if (token.keyLabel() == null || token.keyLabel().isBlank()) {
      problem(at + ".keyLabel", "is required: the key's label in the token");
    }
    secret(at + ".pinFile", token.pinFile(), "a file holding the token's PIN");
    if (token.slot() != null && token.slotListIndex() != null) {
      problem(at + ".slotListIndex", "give slot or slotListIndex, not both");
    }
    if (token.sessions() != null && token.sessions() < 1) {
      problem(
          at + ".sessions",
          "must be at least 1 (the signatures the token makes at once), not " + token.sessions());
    }
  }

  private void source(String at, RevocationConfiguration rc) {
    if (rc.crl() != null && rc.opensslIndex() != null) {
      problem(
          at + ".opensslIndex",
          "give either crl or opensslIndex as the revocation source, not both");
      return;
    }
    if (rc.opensslIndex() != null) {
      readable(at + ".opensslIndex", rc.opensslIndex(), "the OpenSSL CA database (index.txt)");
      if (rc.deltaCrl() != null) {
        problem(at + ".deltaCrl", "only goes with crl");
      }
      return;
    }
    if (rc.crl() == null) {
      problem(
          at + ".crl",
          "is required: the CA's CRL (a file, PEM or DER, or an http(s) URL), or opensslIndex");
      return;
    }
    if (rc.extendedRevoke()) {
      problem(
          at + ".extendedRevoke",
          "needs opensslIndex: a CRL alone does not say which serials were issued");
    }
  }

  private void probe(String field, Probe probe) {
    if (probe == null) {
      return;
    }
    if ((probe.certificate() == null) == (probe.serial() == null)) {
      problem(
          field,
          "give either certificate (a certificate this CA issued) or serial (decimal, or hex with 0x)");
    } else if (probe.certificate() != null) {
      readable(
          field + ".certificate", probe.certificate(), "the certificate to probe (PEM or DER)");
    } else if (!probe.serial().matches("(0[xX][0-9a-fA-F]+|[0-9]+)")) {
      problem(
          field + ".serial",
          "'" + probe.serial() + "' is not a serial number (decimal, or hex with 0x)");
    }
  }

  /**
   * The smallest bearer token accepted: 16 characters (e.g. {@code openssl rand -hex 16} gives 32).
   */
  static final int MIN_TOKEN_LENGTH = 16;

  private void admin(Admin admin) {
    if (admin.tokenFile() == null && !isLoopback(admin.listen().host())) {
      problem(
          "admin.listen",
          admin.listen()
              + " is not a loopback address, so anyone who can reach it could stop "
              + "members or apply a configuration: set admin.tokenFile (a file holding a bearer token, mode 0600), "
              + "or listen on 127.0.0.1");
    }
  }

  /** NLB host priorities run 1..32; front ends take the same range. */
  static final int MAX_FRONT_ENDS = 32;

  private void frontEnds(ClusterConfig config) {
    List<FrontEnd> frontEnds = config.frontEnds();
    if (frontEnds.isEmpty()) {
      return;
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    Map<Integer, String> priorities = new HashMap<>();
    java.util.Set<FrontEnd.Failover> ways = java.util.EnumSet.noneOf(FrontEnd.Failover.class);
    for (int i = 0; i < frontEnds.size(); i++) {
      String at = "frontEnds[" + i + "]";
      FrontEnd f = frontEnds.get(i);
      if (f == null) {
        problem(at, "is empty");
        continue;
      }
      if (f.name() == null || !NAME.matcher(f.name()).matches()) {
        problem(at + ".name", "is required: letters, digits, '.', '_' or '-'");
      } else if (!names.add(f.name())) {
        problem(at + ".name", "'" + f.name() + "' is already the name of another front end");
      }
      if (f.address() == null || !isIpLiteral(f.address())) {
        problem(
            at + ".address",
            "is required: the front end's own IPv4 or IPv6 address (not a cluster IP), e.g. 198.51.100.11");
      } else if (config.cluster() != null && config.clusterIps().contains(f.address())) {
        problem(
            at + ".address", f.address() + " is a cluster IP: give the front end's own address");
      }
      if (f.priority() == null || f.priority() < 1 || f.priority() > MAX_FRONT_ENDS) {
        problem(at + ".priority", "is required: 1.." + MAX_FRONT_ENDS + ", 1 is first");
      } else if (priorities.containsKey(f.priority())) {
        problem(
            at + ".priority",
            f.priority() + " is already the priority of front end " + priorities.get(f.priority()));
      } else {
        priorities.put(f.priority(), f.name());
      }
      if (f.failover() == null) {
        problem(at + ".failover", "is required: vrrp (active/standby) or bgp (active/active)");
      } else {
        ways.add(f.failover());
        if (f.networkInterface() != null && !INTERFACE.matcher(f.networkInterface()).matches()) {
          problem(
              at + ".interface",
              "'"
                  + f.networkInterface()
                  + "' is not an interface name (e.g. eth0, ens3, bond0.12)");
        }
        if (f.failover() == FrontEnd.Failover.BGP
            && f.address() != null
            && isIpLiteral(f.address())
            && f.address().indexOf(':') >= 0) {
          problem(
              at + ".address",
              "with bgp, give the front end's IPv4 address: BIRD takes it as its router id");
        }
        if (f.failover() == FrontEnd.Failover.VRRP
            && (f.networkInterface() == null || f.networkInterface().isBlank())) {
          problem(
              at + ".interface",
              "is required with vrrp: the interface that faces the clients, where the cluster IP is added");
        }
      }
      if (f.admin() != null
          && config.admin().tokenFile() == null
          && !isLoopback(f.admin().host())) {
        problem(
            at + ".admin",
            f.admin()
                + " is not a loopback address: set admin.tokenFile, since anyone who can reach it"
                + " could stop members");
      }
    }
    if (ways.size() > 1) {
      problem(
          "frontEnds",
          "mix vrrp and bgp: the cluster IP moves one way, so give every front end the same failover");
    }
    FailoverSettings failover = config.failover();
    if (failover.readinessInterval().toMillis() < 50) {
      problem(
          "failover.readinessInterval",
          failover.readinessInterval() + " is too short: 50ms or more (default 200ms)");
    }
    if (config.admin().tls() != null
        && frontEnds.stream().anyMatch(f -> f != null && f.admin() != null)) {
      problem(
          "frontEnds",
          "front ends tell each other host states over plain HTTP, which admin.tls turns off: leave"
              + " out frontEnds[].admin (each front end then keeps its own host states) or admin.tls");
    }
    if (ways.contains(FrontEnd.Failover.VRRP)) {
      FailoverSettings.Vrrp v = failover.vrrp();
      if (v.virtualRouterId() < 1 || v.virtualRouterId() > 255) {
        problem("failover.vrrp.virtualRouterId", v.virtualRouterId() + " is outside 1..255");
      }
      long ms = v.advertInterval().toMillis();
      if (ms < 10 || ms > 40_950 || ms % 10 != 0) {
        problem(
            "failover.vrrp.advertInterval",
            v.advertInterval()
                + " is not a VRRPv3 advert interval: 10ms..40950ms in steps of 10ms");
      }
    }
    if (ways.contains(FrontEnd.Failover.BGP)) {
      FailoverSettings.Bgp b = failover.bgp();
      if (b.asn() == null || b.asn() < 1 || b.asn() > 4_294_967_295L) {
        problem(
            "failover.bgp.asn",
            "is required: the front ends' AS number (1..4294967295; a private one is 64512..65534)");
      }
      if (b.routers().isEmpty()) {
        problem(
            "failover.bgp.routers",
            "at least one upstream router is required (address and asn) to announce the cluster IP to");
      }
      for (int i = 0; i < b.routers().size(); i++) {
        FailoverSettings.Router r = b.routers().get(i);
        String at = "failover.bgp.routers[" + i + "]";
        if (r.address() == null || !isIpLiteral(r.address())) {
          problem(at + ".address", "is required: the router's IPv4 or IPv6 address");
        }
        if (r.asn() == null || r.asn() < 1 || r.asn() > 4_294_967_295L) {
          problem(at + ".asn", "is required: the router's AS number");
        }
      }
      long hold = b.holdTime().toSeconds();
      if (hold < 3 || hold > 65_535) {
        problem("failover.bgp.holdTime", "must be 3s..65535s");
      }
      if (config.cluster() != null && config.cluster().ip() != null) {
        for (int i = 0; i < b.routers().size(); i++) {
          String router = b.routers().get(i).address();
          if (router != null
              && isIpLiteral(router)
              && config.clusterIps().stream()
                  .filter(java.util.Objects::nonNull)
                  .noneMatch(ip -> (ip.indexOf(':') >= 0) == (router.indexOf(':') >= 0))) {
            problem(
                "failover.bgp.routers[" + i + "].address",
                router + " has no cluster IP of its address family to be told about");
          }
        }
      }
    }
  }

  private void tls(String field, TlsFiles tls) {
    if (tls == null) {
      return;
    }
    readable(field + ".certificate", tls.certificate(), "the TLS certificate chain (PEM)");
    secret(field + ".key", tls.key(), "the TLS private key (PEM, PKCS#8)");
    if (tls.trust() != null) {
      readable(
          field + ".trust", tls.trust(), "the CA certificates (PEM) to trust for this listener");
    }
  }

  static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /**
   * A file holding a secret (a private key, a password, a token) must be named; that it is readable
   * by its owner only is checked where it is used ({@link FileChecks}).
   */
  private void secret(String field, Path path, String what) {
    readable(field, path, what);
  }

  /**
   * A file the configuration needs must be named; that it exists and can be read is checked where
   * it is used ({@link FileChecks}), since the model is validated where the files may not be.
   */
  private void readable(String field, Path path, String what) {
    if (path == null) {
      problem(field, "is required: " + what);
    }
  }

  static boolean isIpLiteral(String text) {
    if (IPV4.matcher(text).matches()) {
      return true;
    }
    if (text.indexOf(':') < 0) {
      return false;
    }
    try {
      // With a colon inside, InetAddress parses a literal and never asks DNS.
      return java.net.InetAddress.getByName(text) instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
