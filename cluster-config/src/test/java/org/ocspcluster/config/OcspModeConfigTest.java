package org.ocspcluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OcspModeConfigTest {

  private static ClusterConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(Path.of("/etc/ocsp-cluster/cluster.yaml"), yaml);
  }

  private static List<String> fields(String yaml) {
    return assertThrows(ConfigException.class, () -> parse(yaml)).problems().stream()
        .map(p -> p.field() + ": " + p.reason())
        .toList();
  }

  private static String ocspRule(String extra) {
    return ConfigLoaderTest.VALID.replace(
        "    affinity: single\n", "    affinity: single\n    mode: ocsp\n" + extra);
  }

  @Test
  void aRuleRelaysBytesUnlessItSaysOcsp() throws Exception {
    PortRule rule = parse(ConfigLoaderTest.VALID).portRules().get(0);
    assertEquals(RuleMode.TCP, rule.mode());
  }

  @Test
  void anOcspRuleTakesItsForwardingSettingsOrTheDefaults() throws Exception {
    PortRule plain = parse(ocspRule("")).portRules().get(0);
    assertEquals(RuleMode.OCSP, plain.mode());
    assertEquals(OcspForwarding.defaults(), plain.ocsp());
    PortRule set =
        parse(ocspRule("    ocsp:\n      tries: 2\n      tryTimeout: 300ms\n")).portRules().get(0);
    assertEquals(2, set.ocsp().tries());
    assertEquals(Duration.ofMillis(300), set.ocsp().tryTimeout());
    assertEquals(20, set.ocsp().retryBudget());
    assertEquals(null, set.ocsp().cache(), "no edge cache unless asked for");
    PortRule cached =
        parse(ocspRule("    ocsp:\n      cache: {megabytes: 8}\n")).portRules().get(0);
    assertEquals(new OcspForwarding.Cache(50_000, 8), cached.ocsp().cache());
  }

  @Test
  void everyOcspModeProblemIsNamedWithItsField() {
    List<String> p =
        fields(
            ocspRule("    ocsp:\n      tries: 0\n      retryBudget: 150\n")
                .replace("protocol: tcp", "protocol: udp"));
    assertTrue(
        p.stream().anyMatch(x -> x.startsWith("portRules[0].mode: ocsp reads HTTP")), "" + p);
    assertTrue(p.stream().anyMatch(x -> x.startsWith("portRules[0].ocsp.tries")), "" + p);
    assertTrue(p.stream().anyMatch(x -> x.startsWith("portRules[0].ocsp.retryBudget")), "" + p);
  }

  @Test
  void anUnknownModeIsRefusedWithTheWordsThatWork() {
    List<String> p =
        fields(
            ConfigLoaderTest.VALID.replace(
                "affinity: single\n", "affinity: single\n    mode: http\n"));
    assertTrue(
        p.stream().anyMatch(x -> x.startsWith("portRules[0].mode") && x.contains("tcp")), "" + p);
  }
}
