package org.ocspcluster.node.array;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ocspcluster.coordination.Proposals;

/**
 * What {@code array status} says, from what ZooKeeper holds: a pure function, so that each state a
 * member can be in is tested without a ZooKeeper. A configured member is {@code up} (live, on the
 * array's revision), {@code behind}, {@code refusing} (with the reason), {@code down} (with when it
 * was last seen) or {@code never started}; a live one the revision no longer names is {@code not in
 * the configuration}. The array is converged when every configured member and every live balancer
 * runs the array's revision.
 */
final class ArrayStatus {
  private ArrayStatus() {}

  /**
   * {@code configured}: the members the revision in force names (null when it cannot be read here);
   * {@code liveMembers}, {@code liveBalancers}: the registrations; {@code seen}: the last
   * registration of every participant ever seen, by "member:NAME" / "balancer:NAME".
   */
  static Map<String, Object> of(
      int revision,
      List<String> configured,
      Map<String, Map<String, Object>> liveMembers,
      Map<String, Map<String, Object>> liveBalancers,
      Map<String, Map<String, Object>> seen,
      List<Map<String, Object>> controllers) {
    List<String> names = new ArrayList<>(configured == null ? List.of() : configured);
    liveMembers.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
    boolean converged = revision > 0;
    List<Map<String, Object>> members = new ArrayList<>();
    for (String name : names) {
      Map<String, Object> live = liveMembers.get(name);
      Map<String, Object> last = seen.get(Proposals.participant("members", name));
      boolean notConfigured = configured != null && !configured.contains(name);
      Map<String, Object> row = row("member", name, live, last, revision, notConfigured);
      row.put(
          "configurations",
          live != null
              ? live.get("configurations")
              : last != null ? last.get("configurations") : Map.of());
      if (live != null && live.get("admin") != null) {
        row.put("admin", live.get("admin"));
      }
      converged &= row.get("state").equals("up") || notConfigured;
      members.add(row);
    }
    List<Map<String, Object>> balancers = new ArrayList<>();
    for (var e : seen.entrySet()) {
      if (e.getKey().startsWith("balancer:")) {
        String name = e.getKey().substring("balancer:".length());
        Map<String, Object> row =
            row("balancer", name, liveBalancers.get(name), e.getValue(), revision, false);
        converged &= row.get("state").equals("up") || row.get("state").equals("down");
        balancers.add(row);
      }
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("revision", revision);
    status.put("converged", converged);
    status.put("zookeeper", "connected");
    status.put("members", members);
    status.put("balancers", balancers);
    status.put("controllers", controllers);
    return status;
  }

  private static Map<String, Object> row(
      String kind,
      String name,
      Map<String, Object> live,
      Map<String, Object> lastSeen,
      int revision,
      boolean notConfigured) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put(kind, name);
    row.put("state", state(live, lastSeen, revision, notConfigured));
    Map<String, Object> from = live != null ? live : lastSeen;
    row.put("revision", from == null ? null : from.get("revision"));
    if (from != null && from.get("refused") != null) {
      row.put("reason", from.get("refused"));
    }
    if (live == null && lastSeen != null) {
      row.put("lastSeen", lastSeen.get("heartbeat"));
    }
    return row;
  }

  private static String state(
      Map<String, Object> live, Map<String, Object> lastSeen, int revision, boolean notConfigured) {
    if (notConfigured) {
      return "not in the configuration";
    }
    if (live == null) {
      return lastSeen == null ? "never started" : "down";
    }
    if (live.get("refused") != null) {
      return "refusing";
    }
    Object runs = live.get("revision");
    return runs instanceof Number n && n.intValue() == revision ? "up" : "behind";
  }
}
