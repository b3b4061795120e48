package org.ocspcluster.balancer.rules;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016, section 3.4): every member walks its own permutation of the slots, taking
 * the next free one in turn, until the table is full. Weights are honoured by giving each member
 * turns in proportion to its weight. Everything is derived from member names and weights with
 * SHA-256, so every process builds the same table.
 *
 * <p>Lookups return members in the order the slots after the key's own slot name them, which is
 * where the key goes when its member cannot take it: members that are down are skipped rather than
 * removed, so their keys, and only theirs, move.
 */
public final class MaglevTable {
  /** A prime well above 100 times the member count NLB allows (32). */
  public static final int DEFAULT_SIZE = 65_537;

  private final String[] members;
  private final int[] slots;

  private MaglevTable(String[] members, int[] slots) {
    this.members = members;
    this.slots = slots;
  }

  /** Builds the table of {@code weights} (member name to weight; 0 takes no slot). */
  public static MaglevTable build(Map<String, Integer> weights, int size) {
    if (size < 2) {
      throw new IllegalArgumentException("table size must be a prime of at least 2");
    }
    TreeMap<String, Integer> sorted = new TreeMap<>();
    weights.forEach(
        (name, weight) -> {
          if (weight > 0) {
            sorted.put(name, weight);
          }
        });
    String[] names = sorted.keySet().toArray(String[]::new);
    int[] slots = new int[size];
    Arrays.fill(slots, -1);
    if (names.length == 0) {
      return new MaglevTable(names, slots);
    }
    int n = names.length;
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    double[] share = new double[n];
    double[] credit = new double[n];
    int maxWeight = sorted.values().stream().mapToInt(Integer::intValue).max().orElse(1);
    for (int i = 0; i < n; i++) {
      ByteBuffer h = ByteBuffer.wrap(sha256(names[i]));
      offset[i] = Math.floorMod(h.getLong(), (long) size);
      skip[i] = Math.floorMod(h.getLong(), (long) size - 1) + 1;
      share[i] = sorted.get(names[i]) / (double) maxWeight;
    }
    int filled = 0;
    while (filled < size) {
      for (int i = 0; i < n && filled < size; i++) {
        credit[i] += share[i];
        while (credit[i] >= 1 && filled < size) {
          credit[i] -= 1;
          int slot;
          do {
            slot = (int) ((offset[i] + next[i] * skip[i]) % size);
            next[i]++;
          } while (slots[slot] >= 0);
          slots[slot] = i;
          filled++;
        }
      }
    }
    return new MaglevTable(names, slots);
  }

  public static MaglevTable build(Map<String, Integer> weights) {
    return build(weights, DEFAULT_SIZE);
  }

  public int size() {
    return slots.length;
  }

  /** The member that owns {@code key}'s slot, or null for an empty table. */
  public String owner(long key) {
    int slot = slots[(int) Math.floorMod(key, (long) slots.length)];
    return slot < 0 ? null : members[slot];
  }

  /**
   * Up to {@code limit} distinct members that {@code usable} accepts, in the order the slots from
   * {@code key}'s own onwards name them.
   */
  public List<String> lookup(long key, Predicate<String> usable, int limit) {
    if (members.length == 0 || limit <= 0) {
      return List.of();
    }
    Set<String> found = new LinkedHashSet<>();
    Set<String> seen = new java.util.HashSet<>();
    int start = (int) Math.floorMod(key, (long) slots.length);
    for (int step = 0;
        step < slots.length && found.size() < limit && seen.size() < members.length;
        step++) {
      String member = members[slots[(start + step) % slots.length]];
      if (seen.add(member) && usable.test(member)) {
        found.add(member);
      }
    }
    return new ArrayList<>(found);
  }

  /** How many slots each member owns: its share of keys is that over {@link #size()}. */
  public Map<String, Integer> slotCounts() {
    Map<String, Integer> counts = new TreeMap<>();
    for (int slot : slots) {
      if (slot >= 0) {
        counts.merge(members[slot], 1, Integer::sum);
      }
    }
    return counts;
  }

  /**
   * How many slots each {@code usable} member serves when only those take connections: a slot whose
   * owner is not usable goes to the next usable member the slots after it name, as {@link #lookup}
   * does. Members that serve no slot are left out.
   */
  public Map<String, Integer> usableSlotCounts(Predicate<String> usable) {
    Map<String, Integer> counts = new TreeMap<>();
    int n = slots.length;
    String next = null;
    // Walk backwards twice round, so the first round finds what the last slots wrap to.
    for (int i = 2 * n - 1; i >= 0; i--) {
      int slot = slots[i % n];
      if (slot >= 0 && usable.test(members[slot])) {
        next = members[slot];
      }
      if (i < n && next != null) {
        counts.merge(next, 1, Integer::sum);
      }
    }
    return counts;
  }

  /** A digest of the whole table, to compare two processes' tables. */
  public String fingerprint() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (int slot : slots) {
        digest.update((slot < 0 ? "-" : members[slot]).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return java.util.HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha256(String name) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prints a table's fingerprint: {@code MaglevTable name=weight ...}; used to compare JVMs. */
  public static void main(String[] args) {
    Map<String, Integer> weights = new TreeMap<>();
    for (String arg : args) {
      String[] kv = arg.split("=");
      weights.put(kv[0], Integer.parseInt(kv[1]));
    }
    System.out.println(build(weights).fingerprint());
  }
}
