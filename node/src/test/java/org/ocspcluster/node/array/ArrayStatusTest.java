package org.ocspcluster.node.array;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArrayStatusTest {
  static final List<Map<String, Object>> CONTROLLERS =
      List.of(Map.of("controller", "c1", "leader", true));

  @SuppressWarnings("unchecked")
  private static Map<String, Object> member(Map<String, Object> status, String name) {
    return ((List<Map<String, Object>>) status.get("members"))
        .stream().filter(m -> m.get("member").equals(name)).findFirst().orElseThrow();
  }

  @Test
  void everyConfiguredMemberIsShownWithWhatItIsDoing() {
    Map<String, Object> status =
        ArrayStatus.of(
            4,
            List.of("up", "behind", "refusing", "dead", "never"),
            Map.of(
                "up", Map.of("revision", 4),
                "behind", Map.of("revision", 3),
                "refusing", Map.of("revision", 3, "refused", "revision 4 refused: no CRL"),
                "removed", Map.of("revision", 3)),
            Map.of(),
            Map.of("member:dead", Map.of("revision", 2, "heartbeat", "2026-11-29T01:00:00Z")),
            CONTROLLERS);
    assertEquals("up", member(status, "up").get("state"));
    assertEquals("behind", member(status, "behind").get("state"));
    assertEquals("refusing", member(status, "refusing").get("state"));
    assertEquals("revision 4 refused: no CRL", member(status, "refusing").get("reason"));
    assertEquals("down", member(status, "dead").get("state"));
    assertEquals("2026-11-29T01:00:00Z", member(status, "dead").get("lastSeen"));
    assertEquals(2, member(status, "dead").get("revision"));
    assertEquals("never started", member(status, "never").get("state"));
    assertEquals("not in the configuration", member(status, "removed").get("state"));
    assertFalse((Boolean) status.get("converged"));
  }

  @Test
  void theArrayIsConvergedWhenEveryMemberAndLiveBalancerRunsItsRevision() {
    Map<String, Map<String, Object>> live = Map.of("a", Map.of("revision", 2));
    Map<String, Map<String, Object>> seen =
        Map.of("balancer:lb", Map.of("revision", 2), "balancer:old", Map.of("revision", 1));
    Map<String, Object> converged =
        ArrayStatus.of(
            2, List.of("a"), live, Map.of("lb", Map.of("revision", 2)), seen, CONTROLLERS);
    assertTrue((Boolean) converged.get("converged"), converged.toString());
    Map<String, Object> balancerBehind =
        ArrayStatus.of(
            2, List.of("a"), live, Map.of("lb", Map.of("revision", 1)), seen, CONTROLLERS);
    assertFalse((Boolean) balancerBehind.get("converged"));
    assertFalse(
        (Boolean)
            ArrayStatus.of(0, List.of(), Map.of(), Map.of(), Map.of(), CONTROLLERS)
                .get("converged"),
        "no revision yet");
  }
}
