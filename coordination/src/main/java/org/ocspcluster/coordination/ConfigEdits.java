package org.ocspcluster.coordination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;

/**
 * Edits a revision's YAML the way the array verbs need ("Add Array Member", "Remove Array Member"):
 * the result is a new revision's text, validated like any other before it is applied. Comments of
 * the edited revision are not kept.
 */
public final class ConfigEdits {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

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

  private static ObjectNode root(String yaml) throws IOException {
    JsonNode node = YAML.readTree(yaml);
    if (!(node instanceof ObjectNode root)) {
      throw new IOException("the revision is not a YAML mapping");
    }
    return root;
  }
}
