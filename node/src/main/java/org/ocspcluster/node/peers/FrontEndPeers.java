package org.ocspcluster.node.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ocspcluster.balancer.hosts.HostControl;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FrontEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other front ends of the cluster, reached at their admin listeners, so that host and rule
 * states are one set on every front end without ZooKeeper (NLB's convergence): a verb taken here is
 * passed on to each peer, and a front end that starts takes the states of a running peer, which saw
 * every change made while it was away. With the array on ZooKeeper the recorded verbs do this
 * instead.
 */
public final class FrontEndPeers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FrontEndPeers.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  /** Marks a verb passed on by a peer, so that it is not passed on again. */
  public static final String FROM = "fromFrontEnd";

  /**
   * When the verb was taken (epoch ms): a peer applies it only over an older state, so a request
   * held up by the network cannot undo a newer change.
   */
  public static final String AT = "takenAt";

  private final String self;
  private final List<FrontEnd> peers;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
  private final java.util.concurrent.ScheduledExecutorService refresher =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "front-end-peers");
            t.setDaemon(true);
            return t;
          });
  private volatile List<Map<String, Object>> roles = List.of();

  private FrontEndPeers(String self, List<FrontEnd> peers, String token) {
    this.self = self;
    this.peers = peers;
    this.token = token;
    // Asked in the background, all peers at once: a frozen peer never holds up the admin
    // listener's threads (its /ready is what keepalived or bird follow).
    refresher.scheduleWithFixedDelay(
        this::refreshRoles, 0, 2, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }

  /** The peers of front end {@code self} in {@code config}. */
  public static FrontEndPeers of(ClusterConfig config, String self) throws IOException {
    List<FrontEnd> peers = config.frontEnds().stream().filter(f -> !f.name().equals(self)).toList();
    String token =
        config.admin().tokenFile() == null
            ? null
            : Files.readString(config.admin().tokenFile()).strip();
    return new FrontEndPeers(self, peers, token);
  }

  /**
   * Passes {@code verb} on {@code name} ({@code members} or {@code rules}) to every peer; says per
   * peer what it answered.
   */
  public Map<String, String> pass(String kind, String name, String verb, long takenAt) {
    Map<String, java.util.concurrent.CompletableFuture<String>> asked = new LinkedHashMap<>();
    for (FrontEnd peer : peers) {
      if (peer.admin() == null) {
        asked.put(
            peer.name(),
            java.util.concurrent.CompletableFuture.completedFuture(
                "not told: it has no admin address in cluster.yaml (set frontEnds[].admin,"
                    + " reachable from the other front ends)"));
        continue;
      }
      HttpRequest request =
          request(
                  peer,
                  "/" + kind + "/" + name + "/" + verb + "?" + FROM + "=" + self + "&" + AT + "="
                      + takenAt)
              .POST(HttpRequest.BodyPublishers.noBody())
              .build();
      asked.put(
          peer.name(),
          http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
              .thenApply(
                  r ->
                      r.statusCode() == 200
                          ? "applied"
                          : "refused (HTTP " + r.statusCode() + "): " + r.body().strip())
              .exceptionally(
                  e ->
                      "unreachable ("
                          + (e.getCause() == null ? e : e.getCause())
                          + "): it differs until it restarts, when it takes the states of a"
                          + " running front end"));
    }
    Map<String, String> said = new LinkedHashMap<>();
    asked.forEach(
        (peer, answer) -> {
          try {
            said.put(
                peer,
                answer.get(TIMEOUT.toMillis() + 500, java.util.concurrent.TimeUnit.MILLISECONDS));
          } catch (java.util.concurrent.TimeoutException e) {
            said.put(
                peer, "no answer within " + TIMEOUT.toSeconds() + " s: it may or may not have it");
          } catch (java.util.concurrent.ExecutionException e) {
            said.put(peer, "unreachable (" + e.getCause() + ")");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            said.put(peer, "not told: interrupted");
          }
        });
    return said;
  }

  /**
   * Takes the host and rule states of the first running peer into {@code control}, as a front end
   * that starts does (its own file may be old); returns that peer's name, or null when no peer
   * answered (the front end's own state file stands).
   */
  public String adopt(HostControl control) {
    for (FrontEnd peer : peers) {
      JsonNode query = query(peer);
      if (query == null) {
        continue;
      }
      List<String> changed = take(control, peer, query, true);
      LOG.info(
          "front end {}: host and rule states taken from front end {}: {}",
          self,
          peer.name(),
          changed.isEmpty() ? "the same as here" : String.join(", ", changed));
      return peer.name();
    }
    LOG.info("front end {}: no other front end answered; the host states kept here stand", self);
    return null;
  }

  /**
   * From now on, every 5 s, takes from each peer any state an operator changed there later than
   * here: a front end that was unreachable when a verb was taken catches up once it answers. The
   * newest change wins, by the wall clocks of the front ends (keep them in time, e.g. NTP).
   */
  public void keepReconciling(HostControl control) {
    refresher.scheduleWithFixedDelay(
        () -> {
          for (FrontEnd peer : peers) {
            JsonNode query = query(peer);
            if (query != null) {
              List<String> changed = take(control, peer, query, false);
              if (!changed.isEmpty()) {
                LOG.info(
                    "front end {}: took newer host states from front end {}: {}",
                    self,
                    peer.name(),
                    String.join(", ", changed));
              }
            }
          }
        },
        5,
        5,
        java.util.concurrent.TimeUnit.SECONDS);
  }

  private JsonNode query(FrontEnd peer) {
    if (peer.admin() == null) {
      return null;
    }
    try {
      HttpResponse<String> r =
          http.send(request(peer, "/query").GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Applies the peer's states that differ from ours and are newer (or, at start, any); says what
   * changed.
   */
  private List<String> take(HostControl control, FrontEnd peer, JsonNode query, boolean atStart) {
    List<String> changed = new ArrayList<>();
    for (JsonNode m : query.path("members")) {
      String name = m.path("name").asText();
      String state = m.path("state").asText();
      long at = m.path("stateChangedAt").asLong(0);
      try {
        String ours = control.state(name).toString();
        if (state.equals(ours) || !(atStart || at > control.changedAt(name))) {
          continue;
        }
        if (ours.equals("suspended")) {
          // NLB: a suspended host takes no verb but resume, which leaves it stopped.
          control.resume(name);
        }
        switch (state) {
          case "started" -> control.start(name);
          case "stopped" -> {
            if (!control.state(name).toString().equals("stopped")) {
              control.stop(name);
            }
          }
          case "draining" -> control.drainstop(name);
          case "suspended" -> control.suspend(name);
          default -> {
            continue;
          }
        }
        control.stamped(name, at);
        changed.add(name + " " + state);
      } catch (IllegalArgumentException | IllegalStateException e) {
        LOG.warn(
            "front end {}: cannot take {} {} from {}: {}",
            self,
            name,
            state,
            peer.name(),
            e.getMessage());
      }
    }
    for (JsonNode rule : query.path("rules")) {
      String name = rule.path("name").asText();
      String state = rule.path("state").asText();
      long at = rule.path("stateChangedAt").asLong(0);
      try {
        if (state.equals(control.ruleState(name).toString())
            || !(atStart || at > control.ruleChangedAt(name))) {
          continue;
        }
        switch (state) {
          case "enabled" -> control.enable(name);
          case "disabled" -> control.disable(name);
          case "draining" -> control.drain(name);
          default -> {
            continue;
          }
        }
        control.ruleStamped(name, at);
        changed.add("rule " + name + " " + state);
      } catch (IllegalArgumentException | IllegalStateException e) {
        LOG.warn(
            "front end {}: cannot take rule {} {} from {}: {}",
            self,
            name,
            state,
            peer.name(),
            e.getMessage());
      }
    }
    return changed;
  }

  /**
   * Each peer's own account of its role ({@code GET /front-end} on its admin listener), or why it
   * cannot be had.
   */
  public List<Map<String, Object>> roles() {
    return roles;
  }

  private void refreshRoles() {
    List<java.util.concurrent.CompletableFuture<Map<String, Object>>> asked = new ArrayList<>();
    for (FrontEnd peer : peers) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", peer.name());
      row.put("failover", peer.failover().toString());
      if (peer.admin() == null) {
        row.put("role", "unknown");
        row.put("reason", "no admin address in cluster.yaml (frontEnds[].admin)");
        asked.add(java.util.concurrent.CompletableFuture.completedFuture(row));
        continue;
      }
      asked.add(
          http.sendAsync(
                  request(peer, "/front-end").GET().build(), HttpResponse.BodyHandlers.ofString())
              .thenApply(
                  r -> {
                    if (r.statusCode() == 200) {
                      try {
                        JSON.readTree(r.body())
                            .properties()
                            .forEach(e -> row.put(e.getKey(), e.getValue()));
                      } catch (IOException e) {
                        row.put("role", "unknown");
                        row.put(
                            "reason", "its admin listener's answer is not JSON: " + e.getMessage());
                      }
                    } else {
                      row.put("role", "unknown");
                      row.put("reason", "its admin listener answered HTTP " + r.statusCode());
                    }
                    return row;
                  })
              .exceptionally(
                  e -> {
                    row.put("role", "unreachable");
                    row.put(
                        "reason",
                        "its admin listener at "
                            + peer.admin()
                            + " does not answer: "
                            + (e.getCause() == null ? e : e.getCause()));
                    return row;
                  }));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (var answer : asked) {
      try {
        rows.add(answer.get(TIMEOUT.toMillis() + 500, java.util.concurrent.TimeUnit.MILLISECONDS));
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        // the row says nothing new; keep the others
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    roles = List.copyOf(rows);
  }

  private HttpRequest.Builder request(FrontEnd peer, String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + peer.admin() + path)).timeout(TIMEOUT);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }
}
