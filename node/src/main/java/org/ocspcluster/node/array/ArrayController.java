package org.ocspcluster.node.array;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.node.revision.Part;
import org.ocspcluster.node.revision.RevisionRefused;

/**
 * The array controller's role: it runs no member itself; the leader among controllers stores
 * revisions for the array, the others stand by. Members apply a revision when they see it.
 */
public final class ArrayController implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ZooKeeperConfigStore array;
  private final LeaderLatch latch;

  public ArrayController(ZooKeeperConfigStore array, String id) throws IOException {
    this.array = array;
    this.latch = array.controllerLatch(id);
  }

  public ZooKeeperConfigStore store() {
    return array;
  }

  /** The revision the array has in force now (0 for none). */
  public int currentRevision() throws IOException {
    return array.current().map(Revision::number).orElse(0);
  }

  public boolean leads() {
    return latch.hasLeadership();
  }

  /** The revision path's only part on a controller: only the leader may store a revision. */
  public Part leadership() {
    return (running, next) -> {
      if (!latch.hasLeadership()) {
        throw new RevisionRefused(
            Outcome.Refusal.NOT_HERE,
            "this controller is not the leader; apply on the leader, " + leaderId());
      }
      return Part.Change.NONE;
    };
  }

  /** Why this controller is not ready, or null when it leads. */
  public String notReadyReason() {
    return latch.hasLeadership() ? null : "this controller is standing by; " + leaderId();
  }

  public String leaderId() {
    try {
      return "the leader is " + latch.getLeader().getId();
    } catch (Exception e) {
      return "no leader is known (" + e.getMessage() + ")";
    }
  }

  /** What every registered member says of itself. */
  public List<Map<String, Object>> status() throws IOException {
    return new ArrayList<>(array.members().values());
  }

  /**
   * Refresh Revocation Data on every registered member of the array, through each member's admin
   * listener; per member, what it answered or why it could not be asked.
   */
  public Fanout refreshAll() throws IOException {
    Map<String, Object> results = new LinkedHashMap<>();
    boolean failed = false;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (var entry : array.members().entrySet()) {
      Object address = entry.getValue().get("admin");
      if (address == null) {
        results.put(entry.getKey(), "no admin listener: start the member with --admin HOST:PORT");
        failed = true;
        continue;
      }
      try {
        var response =
            http.send(
                HttpRequest.newBuilder(URI.create("http://" + address + "/refresh"))
                    .timeout(Duration.ofSeconds(90))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        results.put(entry.getKey(), JSON.readTree(response.body()).get(entry.getKey()));
        failed |= response.statusCode() != 200;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        results.put(entry.getKey(), "interrupted");
        failed = true;
      } catch (IOException | RuntimeException e) {
        results.put(entry.getKey(), "unreachable at " + address + ": " + e.getMessage());
        failed = true;
      }
    }
    return new Fanout(results, failed);
  }

  /** Per member, what it said; {@code failed} when any member failed or could not be asked. */
  public record Fanout(Map<String, Object> results, boolean failed) {}

  @Override
  public void close() throws IOException {
    latch.close();
  }
}
