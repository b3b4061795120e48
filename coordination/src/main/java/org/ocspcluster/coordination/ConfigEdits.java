package org.ocspcluster.coordination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;

/**
 * Edits a revision's YAML the way the array verbs need ("Add Array Member", "Remove Array Member",
 * "Assign Signing Certificate"): the result is a new revision's text, validated like any other
 * before it is applied. Comments of the edited revision are not kept.
 */
public final class ConfigEdits {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              // A name like 8080 or 0x1f stays a string: unquoted, it would come back a number.
              .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

  private ConfigEdits() {}

  public static String addMember(String yaml, String name, String address, Integer priority)
      throws IOException {
    ObjectNode root = root(yaml);
    ArrayNode members = root.withArray("members");
    int next = 1;
    for (JsonNode m : members) {
      if (name.equals(m.path("name").asText())) {
        throw new IllegalArgumentException("\"" + name + "\" is already a member");
      }
      next = Math.max(next, m.path("priority").asInt(0) + 1);
    }
    ObjectNode member = members.addObject();
    member.put("name", name);
    member.put("address", address);
    member.put("priority", priority == null ? next : priority);
    return YAML.writeValueAsString(root);
  }

  public static String removeMember(String yaml, String name) throws IOException {
    ObjectNode root = root(yaml);
    ArrayNode members = root.withArray("members");
    for (int i = 0; i < members.size(); i++) {
      if (name.equals(members.get(i).path("name").asText())) {
        members.remove(i);
        return YAML.writeValueAsString(root);
      }
    }
    throw new IllegalArgumentException("\"" + name + "\" is not a member");
  }

  /**
   * Assigns a signing credential for {@code configuration} to member {@code member}, or to every
   * member when it is null: the member's {@code signers} entry, which overrides the configuration's
   * own signer for that member. Give a certificate and key, or a keystore (and its password file);
   * paths as the members will read them.
   */
  public static String assignSigner(
      String yaml,
      String configuration,
      String member,
      String certificate,
      String key,
      String keystore,
      String passwordFile)
      throws IOException {
    return assignSigner(
        yaml, configuration, member, certificate, key, keystore, passwordFile, null);
  }

  /**
   * As above, with the key in a PKCS#11 token: {@code token} holds its fields (library, slot or
   * slotListIndex, keyLabel, pinFile, sessions) as cluster.yaml names them; {@code certificate}
   * optional.
   */
  public static String assignSigner(
      String yaml,
      String configuration,
      String member,
      String certificate,
      String key,
      String keystore,
      String passwordFile,
      java.util.Map<String, Object> token)
      throws IOException {
    ObjectNode root = root(yaml);
    boolean known = false;
    for (JsonNode rc : root.withArray("revocationConfigurations")) {
      known |= configuration.equals(rc.path("name").asText());
    }
    if (!known) {
      throw new IllegalArgumentException(
          "no revocation configuration \"" + configuration + "\" in the revision in force");
    }
    boolean found = false;
    for (JsonNode m : root.withArray("members")) {
      if (member != null && !member.equals(m.path("name").asText())) {
        continue;
      }
      found = true;
      ObjectNode signer = ((ObjectNode) m).withObject("signers").putObject(configuration);
      put(signer, "certificate", certificate);
      put(signer, "key", key);
      put(signer, "keystore", keystore);
      put(signer, "passwordFile", passwordFile);
      if (token != null) {
        ObjectNode t = signer.putObject("token");
        token.forEach((field, value) -> t.putPOJO(field, value));
      }
    }
    if (!found) {
      throw new IllegalArgumentException(
          member == null
              ? "the revision in force has no members"
              : "\"" + member + "\" is not a member");
    }
    return YAML.writeValueAsString(root);
  }

  private static void put(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  /**
   * {@code next}, with the signers assigned in {@code current} kept for every member that {@code
   * next} names without a {@code signers} key of its own (a file written before the assignment); a
   * member with a {@code signers} key in {@code next}, even an empty one, gets exactly that.
   * Returns {@code next} unchanged (comments and all) when nothing is kept.
   */
  public static Kept keepAssignedSigners(String current, String next) throws IOException {
    ObjectNode was = root(current);
    ObjectNode now = root(next);
    java.util.List<String> kept = new java.util.ArrayList<>();
    java.util.Set<String> configurations = new java.util.HashSet<>();
    for (JsonNode rc : now.withArray("revocationConfigurations")) {
      configurations.add(rc.path("name").asText());
    }
    for (JsonNode m : now.withArray("members")) {
      if (m.has("signers") || !(m instanceof ObjectNode member)) {
        continue;
      }
      for (JsonNode old : was.withArray("members")) {
        if (!old.path("name").asText().equals(m.path("name").asText())) {
          continue;
        }
        for (var signer : old.path("signers").properties()) {
          if (configurations.contains(signer.getKey())) {
            member.withObject("signers").set(signer.getKey(), signer.getValue());
            kept.add(m.path("name").asText() + "/" + signer.getKey());
          }
        }
      }
    }
    return new Kept(kept.isEmpty() ? next : YAML.writeValueAsString(now), kept);
  }

  /** A revision's text, and the assigned signers ("member/configuration") it kept. */
  public record Kept(String yaml, java.util.List<String> signers) {}

  private static ObjectNode root(String yaml) throws IOException {
    JsonNode node = YAML.readTree(yaml);
    if (!(node instanceof ObjectNode root)) {
      throw new IOException("the revision is not a YAML mapping");
    }
    return root;
  }
}
