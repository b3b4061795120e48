package org.ocspcluster.coordination;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigEditsTest {
  static final String FILE =
      """
      members:
        - name: a
          address: 127.0.0.1:1
        - name: b
          address: 127.0.0.1:2
      revocationConfigurations:
        - name: demo
      """;

  @Test
  void namesThatYamlWouldReadAsBooleansNumbersOrNullSurviveTheRoundTrip() throws Exception {
    List<String> names =
        List.of("off", "on", "yes", "no", "y", "n", "true", "False", "null", "~", "8080", "0x1f");
    StringBuilder rules = new StringBuilder("portRules:\n");
    for (String n : names) {
      rules.append("  - name: \"").append(n).append("\"\n    ports: 80\n");
    }
    String edited = ConfigEdits.addMember(FILE + rules, "c", "127.0.0.1:3", null);
    com.fasterxml.jackson.databind.JsonNode read =
        new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(edited);
    List<String> changed = new java.util.ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      com.fasterxml.jackson.databind.JsonNode name = read.path("portRules").get(i).path("name");
      if (!name.isTextual() || !name.asText().equals(names.get(i))) {
        changed.add(names.get(i) + " -> " + name);
      }
    }
    assertEquals(List.of(), changed, edited);
    // Written bare by hand, they read as the parser reads them, and the edit keeps that.
    String bare = FILE + rules.toString().replace("\"", "");
    com.fasterxml.jackson.databind.ObjectMapper yaml =
        new com.fasterxml.jackson.databind.ObjectMapper(
            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    assertEquals(
        yaml.readTree(bare).path("portRules").toString(),
        yaml.readTree(ConfigEdits.addMember(bare, "c", "127.0.0.1:3", null))
            .path("portRules")
            .toString());
  }

  @Test
  void aSignerAssignedToOneMemberIsKeptByAFileThatDoesNotMentionItsSigners() throws Exception {
    String assigned = ConfigEdits.assignSigner(FILE, "demo", "b", "/s.pem", "/s.key", null, null);
    assertTrue(assigned.contains("certificate: /s.pem"), assigned);
    ConfigEdits.Kept kept = ConfigEdits.keepAssignedSigners(assigned, FILE + "# a comment\n");
    assertEquals(List.of("b/demo"), kept.signers());
    assertTrue(kept.yaml().contains("key: /s.key"), kept.yaml());
  }

  @Test
  void aFileThatGivesTheMemberSignersOfItsOwnWinsAndAnUntouchedFileStaysAsWritten()
      throws Exception {
    String assigned = ConfigEdits.assignSigner(FILE, "demo", null, "/s.pem", "/s.key", null, null);
    String explicit =
        FILE.replace("address: 127.0.0.1:2\n", "address: 127.0.0.1:2\n    signers: {}\n");
    ConfigEdits.Kept kept = ConfigEdits.keepAssignedSigners(assigned, explicit);
    assertEquals(List.of("a/demo"), kept.signers(), "b says signers: {} itself");
    String none = FILE + "# kept as written\n";
    assertEquals(none, ConfigEdits.keepAssignedSigners(FILE, none).yaml());
  }

  @Test
  void anUnknownMemberOrConfigurationIsRefusedByName() {
    var member =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConfigEdits.assignSigner(FILE, "demo", "z", "/c", "/k", null, null));
    assertTrue(member.getMessage().contains("\"z\" is not a member"));
    var configuration =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConfigEdits.assignSigner(FILE, "other", null, "/c", "/k", null, null));
    assertTrue(configuration.getMessage().contains("no revocation configuration \"other\""));
  }
}
