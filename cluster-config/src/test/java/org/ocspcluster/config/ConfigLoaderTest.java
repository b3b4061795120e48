package org.ocspcluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  static final String VALID =
      """
      cluster:
        name: demo
        fqdn: ocsp.example.test
        ip: 127.0.0.1
      portRules:
        - name: ocsp-http
          ports: 8080
          protocol: tcp
          filteringMode: multipleHost
          affinity: single
      members:
        - name: responder-1
          address: 127.0.0.1:8081
          priority: 1
        - name: responder-2
          address: 127.0.0.1:8082
          priority: 2
          weight: 50
      revocationConfigurations:
        - name: demo
          caCertificate: pki/ca.pem
          signingCertificate: pki/signer.pem
          signingKey: pki/signer.key
          crl: pki/ca.crl
          refreshInterval: 90s
      admin:
        listen: 127.0.0.1:9464
      """;

  @TempDir Path dir;
  Path file;

  @BeforeEach
  void pkiFilesExist() throws IOException {
    Files.createDirectories(dir.resolve("pki"));
    for (String name : new String[] {"ca.pem", "signer.pem", "signer.key", "ca.crl"}) {
      Files.writeString(dir.resolve("pki").resolve(name), "x");
    }
    Files.setPosixFilePermissions(
        dir.resolve("pki/signer.key"), PosixFilePermissions.fromString("rw-------"));
    file = dir.resolve("cluster.yaml");
  }

  @Test
  void aPrivateKeyReadableByOthersIsRefusedWithTheChmodThatFixesIt() throws Exception {
    Path key = dir.resolve("pki/signer.key");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    ConfigException.Problem p = refusal(VALID);
    assertEquals("revocationConfigurations[0].signingKey", p.field());
    assertTrue(
        p.reason().contains("rw-r--r--") && p.reason().contains("chmod 600 " + key), p.reason());
  }

  @Test
  void anAdminListenerBeyondLoopbackWithoutATokenIsRefused() {
    ConfigException.Problem p =
        refusal(VALID.replace("listen: 127.0.0.1:9464", "listen: 0.0.0.0:9464"));
    assertEquals("admin.listen", p.field());
    assertTrue(p.reason().contains("admin.tokenFile"), p.reason());
  }

  @Test
  void anAdminTokenFileMustBeOwnerOnlyAndHoldALongEnoughToken() throws Exception {
    Path token = dir.resolve("admin.token");
    Files.writeString(token, "short\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    String yaml =
        VALID.replace("listen: 127.0.0.1:9464", "listen: 0.0.0.0:9464\n  tokenFile: admin.token");
    ConfigException.Problem tooShort = refusal(yaml);
    assertEquals("admin.tokenFile", tooShort.field());
    assertTrue(tooShort.reason().contains("at least 16"), tooShort.reason());

    Files.writeString(token, "0123456789abcdef0123456789abcdef\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r-----"));
    assertTrue(refusal(yaml).reason().contains("wider than 0600"));

    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("r--------"));
    assertEquals(token.toAbsolutePath().normalize(), load(yaml).admin().tokenFile());
  }

  @Test
  void theModelIsValidatedWithoutItsFilesWhichAreCheckedWhereTheyAreUsed() throws Exception {
    String missing = VALID.replace("crl: pki/ca.crl", "crl: pki/missing.crl");
    // A controller validates the model; the files may be on other machines.
    ClusterConfig model = ConfigLoader.parse(file, missing);
    List<ConfigException.Problem> atMember = FileChecks.forMember(model, "responder-1");
    assertEquals(1, atMember.size(), atMember.toString());
    assertEquals("revocationConfigurations[0].crl", atMember.get(0).field());
    assertTrue(atMember.get(0).reason().contains("does not exist"), atMember.get(0).reason());
    assertTrue(FileChecks.forBalancer(model).isEmpty(), "the balancer does not read the CRL");
    // A process that runs every part, or check-config, checks them all, with the model's problems.
    assertEquals("revocationConfigurations[0].crl", refusal(missing).field());
  }

  private ClusterConfig load(String yaml) throws Exception {
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }

  /** The refusal of {@code yaml} as a file, with every problem. */
  private ConfigException refused(String yaml) {
    return assertThrows(ConfigException.class, () -> load(yaml));
  }

  private ConfigException.Problem refusal(String yaml) {
    ConfigException e = refused(yaml);
    assertEquals(file.toAbsolutePath().normalize(), e.file(), "the refusal names the file");
    assertTrue(
        e.getMessage().startsWith(file.toAbsolutePath().normalize().toString()), e.getMessage());
    return e.problems().get(0);
  }

  @Test
  void validFileLoadsWithDefaultsAndPathsResolvedAgainstItsFolder() throws Exception {
    ClusterConfig config = load(VALID);
    assertEquals("unicast", config.cluster().mode());
    assertEquals(new PortRange(8080, 8080), config.portRules().get(0).ports());
    assertEquals(PortRule.ALL_CLUSTER_IPS, config.portRules().get(0).clusterIp());
    assertEquals(new HostPort("127.0.0.1", 8082), config.members().get(1).address());
    assertEquals(50, config.members().get(1).weight());
    assertEquals(
        dir.resolve("pki/ca.pem").toAbsolutePath().normalize(),
        config.revocationConfigurations().get(0).caCertificate());
    assertEquals(
        Duration.ofSeconds(90), config.revocationConfigurations().get(0).refreshInterval());
  }

  @Test
  void unknownKeyIsRefusedWithItsFieldAndTheKnownKeys() {
    ConfigException.Problem p =
        refusal(VALID.replace("    priority: 1", "    priority: 1\n    colour: blue"));
    assertEquals("members[0].colour", p.field());
    assertTrue(p.reason().contains("unknown key 'colour'"), p.reason());
    assertTrue(p.reason().contains("priority"), "names the known keys: " + p.reason());
  }

  @Test
  void anUnknownKeyHidesNoOtherProblem() {
    ConfigException e =
        refused(
            VALID
                .replace("    priority: 1", "    priority: 1\n    colour: blue")
                .replace("weight: 50", "weight: 300")
                .replace("  fqdn: ocsp.example.test", "  fqdn: ocsp.example.test\n  size: 3"));
    List<String> fields = e.problems().stream().map(ConfigException.Problem::field).toList();
    assertTrue(fields.contains("members[0].colour"), fields.toString());
    assertTrue(fields.contains("cluster.size"), fields.toString());
    assertTrue(fields.contains("members[1].weight"), fields.toString());
    ConfigException badValue =
        refused(
            VALID
                .replace("    priority: 1", "    priority: 1\n    colour: blue")
                .replace("refreshInterval: 90s", "refreshInterval: soon"));
    assertEquals(2, badValue.problems().size(), badValue.getMessage());
  }

  @Test
  void memberPortIsTheAddressPortSameAsNlbOrANumber() throws Exception {
    String withPort =
        VALID.replace("    affinity: single\n", "    affinity: single\n    memberPort: %s\n");
    assertEquals(MemberPort.ADDRESS, load(VALID).portRules().get(0).memberPort());
    assertEquals(MemberPort.SAME, load(withPort.formatted("same")).portRules().get(0).memberPort());
    assertEquals(
        new MemberPort(8443), load(withPort.formatted("8443")).portRules().get(0).memberPort());
    ConfigException.Problem p = refusal(withPort.formatted("70000"));
    assertEquals("portRules[0].memberPort", p.field());
    assertTrue(p.reason().contains("same (the port the client reached, as NLB)"), p.reason());
    ConfigException.Problem ocsp =
        refusal(
            withPort.formatted("same\n    mode: ocsp").replace("ports: 8080", "ports: 8080-8081"));
    assertEquals("portRules[0].memberPort", ocsp.field());
  }

  @Test
  void aSigningTokenNamesItsModuleKeyAndPinAndExcludesAKeyFile() throws Exception {
    String token =
        """
            signingToken:
              library: /usr/lib/softhsm/libsofthsm2.so
              slot: 42
              keyLabel: ocsp-signer
              pinFile: pki/token.pin
        """;
    String withToken = VALID.replace("    signingKey: pki/signer.key\n", token);
    RevocationConfiguration rc =
        ConfigLoader.parse(file, withToken).revocationConfigurations().get(0);
    assertEquals(42L, rc.signingToken().slot());
    assertEquals(
        dir.resolve("pki/token.pin").toAbsolutePath().normalize(), rc.signingToken().pinFile());
    ConfigException both =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    file,
                    VALID.replace(
                        "    signingKey: pki/signer.key\n",
                        "    signingKey: pki/signer.key\n"
                            + token
                                .replace("keyLabel: ocsp-signer", "keyLabel: ''")
                                .replace("slot: 42\n", "slot: 42\n      sessions: 0\n"))));
    List<String> fields = both.problems().stream().map(ConfigException.Problem::field).toList();
    assertTrue(fields.contains("revocationConfigurations[0].signingToken"), fields.toString());
    assertTrue(
        fields.contains("revocationConfigurations[0].signingToken.keyLabel"), fields.toString());
    assertTrue(
        fields.contains("revocationConfigurations[0].signingToken.sessions"), fields.toString());
  }

  @Test
  void renewalRenewsPemSignersAndTokenKeysButNotAKeystore() throws Exception {
    String renewal = "    refreshInterval: 90s\n    renewal: {before: 14d, helper: /bin/true}\n";
    String token =
        "    signingToken: {library: /usr/lib/softhsm/libsofthsm2.so, keyLabel: k, pinFile: p.pin}\n";
    String withToken =
        VALID
            .replace("    refreshInterval: 90s\n", renewal)
            .replace("    signingKey: pki/signer.key\n", token);
    assertEquals(
        java.time.Duration.ofDays(14),
        ConfigLoader.parse(file, withToken).revocationConfigurations().get(0).renewal().before());
    String withKeystore =
        VALID
            .replace("    refreshInterval: 90s\n", renewal)
            .replace(
                "    signingCertificate: pki/signer.pem\n    signingKey: pki/signer.key\n",
                "    signingKeystore: pki/signer.p12\n");
    ConfigException keystore =
        assertThrows(ConfigException.class, () -> ConfigLoader.parse(file, withKeystore));
    assertTrue(
        keystore.problems().stream()
            .anyMatch(
                p ->
                    p.field().equals("revocationConfigurations[0].renewal")
                        && p.reason().contains("PKCS#12")),
        keystore.getMessage());
  }

  @Test
  void aMembersOwnSignerMayBeAKeyInAToken() throws Exception {
    String signers =
        """
                signers:
                  demo:
                    token: {library: /usr/lib/softhsm/libsofthsm2.so, keyLabel: m1, pinFile: p.pin}
            """;
    String yaml = VALID.replace("    priority: 1\n", "    priority: 1\n" + signers);
    ClusterConfig config = ConfigLoader.parse(file, yaml);
    RevocationConfiguration forMember = config.revocationConfigurationsFor("responder-1").get(0);
    assertEquals("m1", forMember.signingToken().keyLabel(), "the member signs with its token");
    assertEquals(
        null,
        config.revocationConfigurationsFor("responder-2").get(0).signingToken(),
        "the others with the configuration's key");
    ConfigException noLabel =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse(file, yaml.replace("keyLabel: m1, ", "")));
    assertEquals("members[0].signers.demo.token.keyLabel", noLabel.problems().get(0).field());
  }

  @Test
  void addressWithoutPortIsRefused() {
    ConfigException.Problem p = refusal(VALID.replace("127.0.0.1:8082", "127.0.0.1"));
    assertEquals("members[1].address", p.field());
    assertTrue(p.reason().contains("HOST:PORT"), p.reason());
  }

  @Test
  void duplicateHostPriorityIsRefused() {
    ConfigException.Problem p = refusal(VALID.replace("priority: 2", "priority: 1"));
    assertEquals("members[1].priority", p.field());
    assertTrue(p.reason().contains("already used by members[0]"), p.reason());
  }

  @Test
  void priorityOutsideNlbRangeIsRefused() {
    assertEquals(
        "members[1].priority", refusal(VALID.replace("priority: 2", "priority: 33")).field());
  }

  @Test
  void weightAbove100IsRefused() {
    assertEquals("members[1].weight", refusal(VALID.replace("weight: 50", "weight: 101")).field());
  }

  @Test
  void unknownFilteringModeNamesTheAcceptedWords() {
    ConfigException.Problem p =
        refusal(VALID.replace("filteringMode: multipleHost", "filteringMode: roundRobin"));
    assertEquals("portRules[0].filteringMode", p.field());
    assertTrue(p.reason().contains("multipleHost, singleHost, disabled"), p.reason());
  }

  @Test
  void multicastModeIsRefusedWithTheReason() {
    ConfigException.Problem p =
        refusal(VALID.replace("ip: 127.0.0.1", "ip: 127.0.0.1\n  mode: multicast"));
    assertEquals("cluster.mode", p.field());
    assertTrue(p.reason().contains("unicast"), p.reason());
  }

  @Test
  void overlappingPortRulesAreRefused() {
    String twoRules =
        VALID.replace(
            """
          affinity: single
        """,
            """
          affinity: single
          - name: other
            ports: 8000-8090
        """);
    ConfigException.Problem p = refusal(twoRules);
    assertEquals("portRules[1].ports", p.field());
    assertTrue(p.reason().contains("overlaps portRules[0]"), p.reason());
  }

  @Test
  void portRangeWiderThanTheBoundIsRefused() {
    ConfigException.Problem p = refusal(VALID.replace("ports: 8080", "ports: 1000-9000"));
    assertEquals("portRules[0].ports", p.field());
    assertTrue(p.reason().contains("at most " + Validator.MAX_RULE_PORTS), p.reason());
  }

  @Test
  void missingCrlFileIsRefusedWithItsPath() {
    ConfigException.Problem p = refusal(VALID.replace("pki/ca.crl", "pki/missing.crl"));
    assertEquals("revocationConfigurations[0].crl", p.field());
    assertTrue(p.reason().contains("missing.crl"), p.reason());
  }

  @Test
  void clusterIpMustBeAnAddress() {
    assertEquals("cluster.ip", refusal(VALID.replace("ip: 127.0.0.1", "ip: not-an-ip")).field());
  }

  @Test
  void badDurationIsRefused() {
    ConfigException.Problem p =
        refusal(VALID.replace("refreshInterval: 90s", "refreshInterval: soon"));
    assertEquals("revocationConfigurations[0].refreshInterval", p.field());
    assertTrue(p.reason().contains("not a duration"), p.reason());
  }

  @Test
  void invalidYamlIsRefusedWithTheLine() {
    ConfigException.Problem p = refusal("cluster:\n  name: demo\n\tfqdn: tab-indented\n");
    assertTrue(p.field().matches("line [23]"), p.field());
    assertTrue(p.reason().startsWith("not valid YAML"), p.reason());
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    ConfigException e =
        refused(VALID.replace("priority: 2", "priority: 1").replace("weight: 50", "weight: 300"));
    assertEquals(2, e.problems().size(), e.getMessage());
  }

  @Test
  void theCabforumProfileDefaultsToSevenDaysAndRefusesValiditiesOutsideEightHoursToTenDays()
      throws Exception {
    String cabforum =
        VALID.replace("refreshInterval: 90s", "refreshInterval: 90s\n    profile: cabforum");
    RevocationConfiguration rc = load(cabforum).revocationConfigurations().get(0);
    assertEquals(RevocationConfiguration.Profile.CABFORUM, rc.profile());
    assertEquals(Duration.ofDays(7), rc.effectiveResponseValidity());
    assertEquals(
        RevocationConfiguration.Profile.STANDARD,
        load(VALID).revocationConfigurations().get(0).profile());
    for (String validity : List.of("1h", "11d")) {
      ConfigException.Problem p =
          refusal(
              cabforum.replace(
                  "profile: cabforum", "profile: cabforum\n    responseValidity: " + validity));
      assertEquals("revocationConfigurations[0].responseValidity", p.field());
      assertTrue(p.reason().contains("between 8h and 10d"), p.reason());
    }
    assertEquals(
        Duration.ofHours(8),
        load(cabforum.replace("profile: cabforum", "profile: cabforum\n    responseValidity: 8h"))
            .revocationConfigurations()
            .get(0)
            .effectiveResponseValidity());
  }

  @Test
  void crlMayBeAnHttpUrlAndDeltaCrlAFile() throws Exception {
    ClusterConfig config =
        load(
            VALID.replace(
                "crl: pki/ca.crl",
                "crl: http://pki.example.test/ca.crl\n    deltaCrl: pki/ca.crl"));
    RevocationConfiguration rc = config.revocationConfigurations().get(0);
    assertEquals(java.net.URI.create("http://pki.example.test/ca.crl"), rc.crl().url());
    assertEquals(dir.resolve("pki/ca.crl").toAbsolutePath().normalize(), rc.deltaCrl().file());
  }

  @Test
  void crlOverAnotherSchemeIsRefused() {
    ConfigException.Problem p =
        refusal(VALID.replace("crl: pki/ca.crl", "crl: ldap://pki.example.test/cn=ca"));
    assertEquals("revocationConfigurations[0].crl", p.field());
    assertTrue(p.reason().contains("http(s)"), p.reason());
  }

  @Test
  void crlAndOpensslIndexTogetherAreRefused() {
    assertEquals(
        "revocationConfigurations[0].opensslIndex",
        refusal(VALID.replace("crl: pki/ca.crl", "crl: pki/ca.crl\n    opensslIndex: pki/ca.crl"))
            .field());
  }

  @Test
  void extendedRevokeWithoutACaDatabaseIsRefused() {
    ConfigException.Problem p =
        refusal(VALID.replace("crl: pki/ca.crl", "crl: pki/ca.crl\n    extendedRevoke: true"));
    assertEquals("revocationConfigurations[0].extendedRevoke", p.field());
    assertTrue(p.reason().contains("opensslIndex"), p.reason());
  }

  @Test
  void pemSignerAndKeystoreTogetherAreRefused() {
    assertEquals(
        "revocationConfigurations[0].signingKeystore",
        refusal(
                VALID.replace(
                    "signingKey: pki/signer.key",
                    "signingKey: pki/signer.key\n    signingKeystore: pki/ca.pem"))
            .field());
  }

  @Test
  void unknownIssuerPolicyAndResponderIdAreWords() throws Exception {
    ClusterConfig config =
        load(
            VALID
                .replace("admin:", "responder:\n  unknownIssuer: unknown\nadmin:")
                .replace("crl: pki/ca.crl", "crl: pki/ca.crl\n    responderId: byName"));
    assertEquals(ResponderSettings.UnknownIssuer.UNKNOWN, config.responder().unknownIssuer());
    assertEquals(
        RevocationConfiguration.ResponderIdType.BY_NAME,
        config.revocationConfigurations().get(0).responderId());
    assertEquals(
        "revocationConfigurations[0].responderId",
        refusal(VALID.replace("crl: pki/ca.crl", "crl: pki/ca.crl\n    responderId: byHash"))
            .field());
  }

  @Test
  void ruleWeightsMustNameMembersAndHandlingPrioritiesBeUnique() {
    ConfigException.Problem p =
        refusal(
            VALID.replace(
                "affinity: single", "affinity: single\n    loadWeights: {responder-9: 10}"));
    assertEquals("portRules[0].loadWeights.responder-9", p.field());
    assertTrue(p.reason().contains("is not a member"), p.reason());
    ConfigException.Problem q =
        refusal(
            VALID
                .replace("filteringMode: multipleHost", "filteringMode: singleHost")
                .replace(
                    "affinity: single",
                    "affinity: single\n    handlingPriorities: {responder-1: 1, responder-2: 1}"));
    assertTrue(q.field().startsWith("portRules[0].handlingPriorities."), q.field());
    assertTrue(q.reason().contains("unique"), q.reason());
  }

  @Test
  void udpRulesAndAdditionalClusterIpsAreAccepted() throws Exception {
    ClusterConfig config =
        load(
            VALID
                .replace("ip: 127.0.0.1", "ip: 127.0.0.1\n  additionalIps: [127.0.0.2]")
                .replace("protocol: tcp", "protocol: both"));
    assertEquals(List.of("127.0.0.1", "127.0.0.2"), config.clusterIps());
    assertEquals(Protocol.BOTH, config.portRules().get(0).protocol());
    assertEquals(
        "portRules[0].clusterIp",
        refusal(VALID.replace("ports: 8080", "ports: 8080\n    clusterIp: 10.9.9.9")).field());
  }

  @Test
  void aMembersOwnSignerMustNameAConfigurationAndExist() {
    assertEquals(
        "members[0].signers.other",
        refusal(
                VALID.replace(
                    "priority: 1",
                    "priority: 1\n    signers:\n      other: {certificate: pki/ca.pem, key: pki/signer.key}"))
            .field());
    assertEquals(
        "members[0].signers.demo.key",
        refusal(
                VALID.replace(
                    "priority: 1",
                    "priority: 1\n    signers:\n      demo: {certificate: pki/ca.pem, key: pki/none.key}"))
            .field());
  }

  @Test
  void drainingIsNotAnInitialState() {
    assertEquals(
        "members[0].initialState",
        refusal(VALID.replace("priority: 1", "priority: 1\n    initialState: draining")).field());
  }

  @Test
  void missingFileIsRefused() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }
}
