package org.ocspcluster.balancer.rules;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MaglevTableTest {
  static final int KEYS = 200_000;

  static Map<String, Integer> equal(int n) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (int i = 1; i <= n; i++) {
      weights.put("responder-" + i, 100);
    }
    return weights;
  }

  static long key(int i) {
    return i * 0x9E3779B97F4A7C15L;
  }

  @Test
  void usableSlotCountsAreWhatLookupGivesEachSlotWhenSomeMembersAreOut() {
    MaglevTable table = MaglevTable.build(equal(4), 1009);
    java.util.Set<String> usable = java.util.Set.of("responder-2", "responder-4");
    Map<String, Integer> expected = new java.util.TreeMap<>();
    for (int slot = 0; slot < table.size(); slot++) {
      expected.merge(table.lookup(slot, usable::contains, 1).get(0), 1, Integer::sum);
    }
    assertEquals(expected, table.usableSlotCounts(usable::contains));
    assertEquals(table.slotCounts(), table.usableSlotCounts(m -> true));
    assertEquals(Map.of(), table.usableSlotCounts(m -> false));
  }

  @Test
  void weightsAreHonouredWithinTwoPercent() {
    Map<String, Integer> weights = Map.of("a", 10, "b", 20, "c", 30, "d", 40);
    MaglevTable table = MaglevTable.build(weights);
    table
        .slotCounts()
        .forEach(
            (member, slots) -> {
              double share = slots / (double) table.size();
              double expected = weights.get(member) / 100.0;
              assertTrue(
                  Math.abs(share - expected) <= 0.02 * expected,
                  member + " has " + share + ", expected " + expected);
            });
  }

  @Test
  void removingOneOfNMembersMovesOnlyItsKeys() {
    MaglevTable table = MaglevTable.build(equal(5));
    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      String before = table.owner(key(i));
      String after = table.lookup(key(i), m -> !m.equals("responder-3"), 1).get(0);
      if (!before.equals("responder-3")) {
        assertEquals(before, after);
      } else {
        moved++;
      }
    }
    assertTrue(
        Math.abs(moved / (double) KEYS - 0.2) < 0.01, "responder-3 held its fifth: " + moved);
  }

  @Test
  void addingOneMovesAtMostItsFairSharePlusOnePercent() {
    MaglevTable five = MaglevTable.build(equal(5));
    MaglevTable six = MaglevTable.build(equal(6));
    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      if (!five.owner(key(i)).equals(six.owner(key(i)))) {
        moved++;
      }
    }
    double fraction = moved / (double) KEYS;
    assertTrue(fraction <= 1.0 / 6 + 0.01, "moved " + fraction);
  }

  @Test
  void anotherJvmBuildsTheSameTable() throws Exception {
    Map<String, Integer> weights = Map.of("responder-1", 50, "responder-2", 100, "responder-3", 25);
    List<String> command =
        new ArrayList<>(
            List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-cp",
                System.getProperty("java.class.path"),
                MaglevTable.class.getName()));
    weights.forEach((name, weight) -> command.add(name + "=" + weight));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String printed = new String(process.getInputStream().readAllBytes(), UTF_8).trim();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    assertEquals(MaglevTable.build(weights).fingerprint(), printed);
  }
}
