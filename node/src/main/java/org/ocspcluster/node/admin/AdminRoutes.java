package org.ocspcluster.node.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.ocspcluster.balancer.Balancer;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.SignerFiles;
import org.ocspcluster.coordination.ConfigStore;
import org.ocspcluster.coordination.Revision;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.ocspcluster.node.Node;
import org.ocspcluster.node.admin.AdminServer.Reply;
import org.ocspcluster.node.array.ArrayController;
import org.ocspcluster.node.peers.FrontEndPeers;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.responder.ResponderException;
import org.ocspcluster.responder.ResponderMember;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's routes: each maps one operation of the {@link Node} to HTTP (its method,
 * query, status code and JSON). Nothing here decides anything; the node does.
 */
public final class AdminRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Node node;

  private AdminRoutes(Node node) {
    this.node = node;
  }

  /**
   * Starts the admin listener of {@code node} at {@code listen}, with the token and TLS of its
   * configuration.
   */
  public static AdminServer start(Node node, InetSocketAddress listen) {
    AdminRoutes routes = new AdminRoutes(node);
    SslContext tls;
    try {
      ClusterConfig config = node.config();
      tls = config == null ? null : ResponderMember.serverTls(config.admin().tls());
    } catch (ResponderException e) {
      throw new IllegalStateException("admin.tls: " + e.getMessage(), e);
    }
    return AdminServer.start(listen, routes.routes(), routes::token, tls);
  }

  Map<String, AdminServer.Route> routes() {
    Map<String, AdminServer.Route> routes = new LinkedHashMap<>();
    routes.put(
        "/",
        (method, path, query, body, caller) -> {
          try (InputStream in = AdminRoutes.class.getResourceAsStream("/status/index.html")) {
            return new Reply(
                200,
                "text/html; charset=utf-8",
                new String(in.readAllBytes(), StandardCharsets.UTF_8));
          }
        });
    routes.put(
        "/metrics",
        (method, path, query, body, caller) ->
            "GET".equals(method)
                ? new Reply(
                    200, "text/plain; version=0.0.4; charset=utf-8", node.registry().scrape())
                : Reply.text(405, "use GET\n"));
    routes.put(
        "/ready",
        (method, path, query, body, caller) -> {
          String notReady = node.notReadyReason();
          return notReady == null
              ? Reply.text(200, "ready\n")
              : Reply.text(503, "not ready: " + notReady + "\n");
        });
    routes.put(
        "/refresh",
        (method, path, query, body, caller) ->
            "POST".equals(method)
                ? refresh()
                : Reply.text(
                    405, "use POST: Refresh Revocation Data on every member of this process\n"));
    routes.put(
        "/signer",
        (method, path, query, body, caller) ->
            "POST".equals(method)
                ? assignSigner(query)
                : Reply.text(
                    405,
                    "use POST with ?configuration=NAME[&certificate=FILE&key=FILE|&keystore=FILE]\n"));
    routes.put(
        "/query",
        (method, path, query, body, caller) -> {
          if (node.balancer() == null) {
            return Reply.text(409, "this process runs no balancer\n");
          }
          Map<String, Object> q =
              JSON.convertValue(
                  node.balancer().query(),
                  new com.fasterxml.jackson.core.type.TypeReference<
                      LinkedHashMap<String, Object>>() {});
          List<Map<String, Object>> frontEnds = node.frontEndRoles();
          if (!frontEnds.isEmpty()) {
            q.put("frontEnds", frontEnds);
          }
          return json(200, q);
        });
    routes.put(
        "/front-end",
        (method, path, query, body, caller) ->
            node.failover() == null
                ? Reply.text(409, "this process is not a front end (balancer --front-end NAME)\n")
                : json(200, node.ownFrontEndRole()));
    routes.put(
        "/members/",
        (method, path, query, body, caller) ->
            control(
                method,
                path,
                "/members/",
                caller,
                first(query, FrontEndPeers.FROM),
                first(query, FrontEndPeers.AT)));
    routes.put(
        "/rules/",
        (method, path, query, body, caller) ->
            control(
                method,
                path,
                "/rules/",
                caller,
                first(query, FrontEndPeers.FROM),
                first(query, FrontEndPeers.AT)));
    routes.put("/array/status", (method, path, query, body, caller) -> arrayStatus());
    routes.put(
        "/array/add-member",
        (method, path, query, body, caller) -> editMembers(method, query, true));
    routes.put(
        "/array/remove-member",
        (method, path, query, body, caller) -> editMembers(method, query, false));
    routes.put("/config", (m, p, q, b, c) -> config(m, p, q, b));
    routes.put("/config/", (m, p, q, b, c) -> config(m, p, q, b));
    routes.put(
        "/audit",
        (method, path, query, body, caller) -> {
          String limit = first(query, "limit");
          var read = node.audit().read(limit == null ? 100 : Integer.parseInt(limit));
          return json(200, Map.of("from", read.from(), "entries", read.entries()));
        });
    routes.replaceAll((path, route) -> audited(route));
    return routes;
  }

  /**
   * Records every change asked of this process (any method but GET and HEAD) in its audit trail:
   * the caller, the verb, the revision before and after, and the answer.
   */
  private AdminServer.Route audited(AdminServer.Route route) {
    return (method, path, query, body, caller) -> {
      if (method.equals("GET") || method.equals("HEAD")) {
        return route.handle(method, path, query, body, caller);
      }
      int before = node.revision();
      Reply reply;
      String outcome = "500 failed";
      try {
        reply = route.handle(method, path, query, body, caller);
        String said = reply.body().strip();
        int newline = said.indexOf('\n');
        outcome =
            reply.status()
                + " "
                + (reply.status() == 200 ? "done" : "refused")
                + ": "
                + (newline < 0 ? said : said.substring(0, newline) + " ...");
      } catch (Exception e) {
        outcome = "500 failed: " + e.getMessage();
        throw e;
      } finally {
        outcome = outcome.length() > 500 ? outcome.substring(0, 500) + " ..." : outcome;
        node.audit().record(caller, verb(path, query), before, node.revision(), outcome);
      }
      return reply;
    };
  }

  /** The admin section of the revision in force (the members' listeners), or null for none. */
  private org.ocspcluster.config.Admin adminSettings() {
    ClusterConfig config = node.config();
    return config == null ? null : config.admin();
  }

  /** The verb as people typed it: "config apply FILE", "host stop responder-1", ... */
  static String verb(String path, Map<String, List<String>> query) {
    String q =
        query.entrySet().stream()
            .filter(e -> !e.getKey().equals("baseDir"))
            .map(e -> e.getKey() + "=" + String.join(",", e.getValue()))
            .collect(java.util.stream.Collectors.joining(" "));
    String verb =
        switch (path) {
          case "/config" -> "config apply";
          case "/config/rollback" -> "config rollback";
          case "/signer" -> "assign-signer";
          case "/refresh" -> "refresh";
          case "/array/add-member" -> "array add-member";
          case "/array/remove-member" -> "array remove-member";
          default -> {
            String[] parts = path.split("/");
            yield parts.length == 4
                ? (parts[1].equals("members") ? "host " : "rule ") + parts[3] + " " + parts[2]
                : path;
          }
        };
    List<String> source = query.get("source");
    if (path.equals("/config") && source != null && !source.isEmpty()) {
      return source.get(0); // the verb said what it was: "config apply /etc/cluster.yaml"
    }
    return q.isEmpty() ? verb : verb + " " + q;
  }

  /**
   * The bearer token from the configuration in force (its admin.tokenFile, validated when loaded),
   * or null for none. A token file that cannot be read now gives a token no one holds: changes are
   * refused rather than let through.
   */
  private String token() {
    ClusterConfig current = node.config();
    Path file = current == null ? null : current.admin().tokenFile();
    if (file == null) {
      return null;
    }
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      LOG.warn(
          "admin.tokenFile {} cannot be read ({}); refusing changes until it can",
          file,
          e.getMessage());
      return UUID.randomUUID() + "-" + UUID.randomUUID();
    }
  }

  /**
   * A revision's outcome as the verbs expect it: 200 with the number, else the reason and the
   * revision in force.
   */
  static Reply outcome(Outcome o) throws JsonProcessingException {
    if (o.applied()) {
      return json(200, Map.of("revision", o.revision(), "source", o.source()));
    }
    return switch (o.refusal()) {
      case INVALID ->
          !o.problems().isEmpty()
              ? Reply.text(
                  422,
                  "configuration refused; revision "
                      + o.revision()
                      + " stays in force:\n"
                      + o.problems().stream()
                          .map(p -> "  " + p + "\n")
                          .collect(java.util.stream.Collectors.joining()))
              : Reply.text(
                  422,
                  "refused; revision " + o.revision() + " stays in force: " + o.reason() + "\n");
      case NEEDS_RESTART ->
          Reply.text(
              409, "refused; revision " + o.revision() + " stays in force: " + o.reason() + "\n");
      case NOT_HERE -> Reply.text(409, o.reason() + "\n");
      case NOT_PREPARED ->
          Reply.text(
              409,
              o.reason()
                  + "; revision "
                  + o.revision()
                  + " stays in force:\n"
                  + o.problems().stream()
                      .map(p -> "  " + p + "\n")
                      .collect(java.util.stream.Collectors.joining()));
      case NOT_STORED ->
          Reply.text(
              503, "refused; revision " + o.revision() + " stays in force: " + o.reason() + "\n");
    };
  }

  private Reply config(String method, String path, Map<String, List<String>> query, String body)
      throws IOException {
    try {
      return configRoutes(method, path, query, body);
    } catch (ZooKeeperConfigStore.Unreachable e) {
      return Reply.text(503, e.getMessage() + "; the revisions cannot be read until it is back\n");
    }
  }

  private Reply configRoutes(
      String method, String path, Map<String, List<String>> query, String body) throws IOException {
    ConfigStore store;
    try {
      store = node.revisionStore();
    } catch (IllegalStateException e) {
      return Reply.text(409, e.getMessage() + "\n");
    }
    switch (path) {
      case "/config" -> {
        if ("POST".equals(method)) {
          String base = first(query, "baseDir");
          if (base == null) {
            return Reply.text(400, "name the folder relative paths are read from: ?baseDir=DIR\n");
          }
          String source = first(query, "source");
          return outcome(
              node.applyFile(body, Path.of(base), source == null ? "admin API" : source));
        }
        int wanted =
            first(query, "revision") == null
                ? node.revision()
                : Integer.parseInt(first(query, "revision"));
        var r = store.get(wanted);
        if (r.isEmpty()) {
          return Reply.text(404, "no revision " + wanted + "\n");
        }
        return json(200, describe(r.get(), true));
      }
      case "/config/history" -> {
        List<Map<String, Object>> all = new ArrayList<>();
        for (var r : store.history()) {
          all.add(describe(r, false));
        }
        return json(200, all);
      }
      case "/config/rollback" -> {
        if (!"POST".equals(method) || first(query, "revision") == null) {
          return Reply.text(400, "use POST /config/rollback?revision=N\n");
        }
        try {
          return outcome(node.rollback(Integer.parseInt(first(query, "revision"))));
        } catch (IllegalArgumentException e) {
          return Reply.text(404, e.getMessage() + "\n");
        }
      }
      default -> {
        return Reply.text(404, "routes: /config, /config/history, /config/rollback\n");
      }
    }
  }

  private Map<String, Object> describe(Revision r, boolean withText) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("revision", r.number());
    d.put("current", r.number() == node.revision());
    d.put("appliedAt", r.appliedAt().toString());
    d.put("source", r.source());
    d.put("baseDir", r.baseDir().toString());
    if (withText) {
      d.put("yaml", r.yaml());
    }
    return d;
  }

  private Reply editMembers(String method, Map<String, List<String>> query, boolean add)
      throws IOException {
    String name = first(query, "name");
    String address = first(query, "address");
    if (!"POST".equals(method) || name == null || (add && address == null)) {
      return Reply.text(
          400,
          add
              ? "use POST /array/add-member?name=NAME&address=HOST:PORT[&priority=N]\n"
              : "use POST /array/remove-member?name=NAME\n");
    }
    String priority = first(query, "priority");
    try {
      return outcome(
          node.editMembers(
              add, name, address, priority == null ? null : Integer.valueOf(priority)));
    } catch (IllegalArgumentException | IllegalStateException e) {
      return Reply.text(409, e.getMessage() + "\n");
    }
  }

  private Reply arrayStatus() throws IOException {
    ArrayController controller = node.controller();
    if (controller != null) {
      return json(200, controller.status());
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("revision", node.revision());
    status.put("members", node.memberStatus());
    return json(200, status);
  }

  private Reply refresh() throws IOException {
    ArrayController controller = node.controller();
    if (controller != null) {
      ArrayController.Fanout fanout = controller.fanOut("/refresh", null, adminSettings());
      return json(fanout.failed() ? 422 : 200, fanout.results());
    }
    try {
      Map<String, Map<String, String>> results = node.refresh();
      boolean refused = results.values().stream().anyMatch(r -> r.containsValue("refused"));
      return json(refused ? 422 : 200, results);
    } catch (IllegalStateException e) {
      return Reply.text(409, e.getMessage() + "\n");
    }
  }

  /**
   * Assign Signing Certificate. Files named: a new revision where this process keeps revisions (the
   * array's controller, {@code up}), else a live swap that says it lasts until a restart. No files
   * named: the configured credential read again, on this process's members or, from a controller,
   * on every member of the array.
   */
  private Reply assignSigner(Map<String, List<String>> query) throws IOException {
    String configuration = first(query, "configuration");
    if (configuration == null) {
      return Reply.text(400, "name the configuration: ?configuration=NAME\n");
    }
    String member = first(query, "member");
    SignerFiles files =
        new SignerFiles(
            path(first(query, "certificate")),
            path(first(query, "key")),
            path(first(query, "keystore")),
            path(first(query, "passwordFile")));
    boolean named = files.certificate() != null || files.keystore() != null;
    try {
      if (named && node.keepsRevisions()) {
        return outcome(node.assignSignerRevision(configuration, member, files));
      }
      ArrayController controller = node.controller();
      if (controller != null) {
        ArrayController.Fanout fanout =
            controller.fanOut(
                "/signer?configuration="
                    + java.net.URLEncoder.encode(configuration, StandardCharsets.UTF_8),
                member,
                adminSettings());
        return json(fanout.failed() ? 422 : 200, fanout.results());
      }
      if (member != null
          && node.memberStatus().stream().noneMatch(m -> member.equals(m.get("member")))) {
        return Reply.text(404, "this process does not run member " + member + "\n");
      }
      Map<String, String> results =
          node.assignSigner(
              configuration,
              files.certificate(),
              files.key(),
              files.keystore(),
              files.passwordFile());
      if (named) {
        results.replaceAll(
            (name, said) ->
                said
                    + " (live only: this process keeps no revisions, so a restart returns to the"
                    + " file's signer)");
      }
      return json(200, results);
    } catch (IllegalArgumentException e) {
      return Reply.text(404, e.getMessage() + "\n");
    } catch (IllegalStateException e) {
      return Reply.text(409, e.getMessage() + "\n");
    } catch (ResponderException e) {
      return Reply.text(422, e.getMessage() + "\n");
    }
  }

  /** POST /members/NAME/VERB and /rules/NAME/VERB: the nlb.exe verbs. */
  private Reply control(
      String method, String path, String prefix, String caller, String from, String at)
      throws IOException {
    if (!"POST".equals(method)) {
      return Reply.text(405, "use POST " + prefix + "NAME/VERB\n");
    }
    String[] parts = path.substring(prefix.length()).split("/");
    if (parts.length != 2) {
      return Reply.text(404, "expected " + prefix + "NAME/VERB\n");
    }
    Balancer balancer = node.balancer();
    ArrayController controller = node.controller();
    if (balancer == null && controller != null) {
      try {
        String said =
            controller.recordControl(
                prefix.equals("/members/") ? "hosts" : "rules", parts[0], parts[1], caller);
        return json(200, Map.of("name", parts[0], "state", "recorded", "message", said));
      } catch (IllegalArgumentException e) {
        return Reply.text(404, e.getMessage() + "\n");
      }
    }
    if (balancer == null) {
      return Reply.text(409, "this process runs no balancer; host control lives on the balancer\n");
    }
    var control = balancer.control();
    boolean member = prefix.equals("/members/");
    try {
      long takenAt = at == null ? 0 : Long.parseLong(at);
      if (from != null && at != null) {
        long here = member ? control.changedAt(parts[0]) : control.ruleChangedAt(parts[0]);
        if (takenAt <= here) {
          // Delivered late (e.g. held up by the network): a newer change is already in force.
          return Reply.text(
              409,
              parts[1]
                  + " taken at "
                  + java.time.Instant.ofEpochMilli(takenAt)
                  + " on front end "
                  + from
                  + " is older than the state in force here (set "
                  + java.time.Instant.ofEpochMilli(here)
                  + "); not applied\n");
        }
      }
      String said =
          switch (prefix + parts[1]) {
            case "/members/start" -> control.start(parts[0]);
            case "/members/stop" -> control.stop(parts[0]);
            case "/members/drainstop" -> control.drainstop(parts[0]);
            case "/members/suspend" -> control.suspend(parts[0]);
            case "/members/resume" -> control.resume(parts[0]);
            case "/rules/enable" -> control.enable(parts[0]);
            case "/rules/disable" -> control.disable(parts[0]);
            case "/rules/drain" -> control.drain(parts[0]);
            default -> null;
          };
      if (said == null) {
        return Reply.text(
            404,
            "unknown verb '"
                + parts[1]
                + "'; members: start, stop, drainstop, suspend, "
                + "resume; rules: enable, disable, drain\n");
      }
      String state =
          prefix.equals("/members/")
              ? control.state(parts[0]).toString()
              : control.ruleState(parts[0]).toString();
      Map<String, Object> reply = new LinkedHashMap<>();
      reply.put("name", parts[0]);
      reply.put("state", state);
      reply.put("message", said);
      if (from != null && at != null) {
        // The change is as old as where it was taken, not as when it arrived.
        if (member) {
          control.stamped(parts[0], takenAt);
        } else {
          control.ruleStamped(parts[0], takenAt);
        }
      }
      if (from == null && node.failover() != null) {
        // Taken here from a person: the newest intent, even where it changed nothing here.
        long now = System.currentTimeMillis();
        if (member) {
          control.stamped(parts[0], now);
        } else {
          control.ruleStamped(parts[0], now);
        }
      }
      if (from == null) {
        // Taken here from a person: the other front ends must hold it too (convergence).
        Map<String, String> others =
            node.passToOtherFrontEnds(
                member ? "members" : "rules",
                parts[0],
                parts[1],
                caller,
                member ? control.changedAt(parts[0]) : control.ruleChangedAt(parts[0]));
        if (!others.isEmpty()) {
          reply.put("frontEnds", others);
        }
      }
      return json(200, reply);
    } catch (NumberFormatException e) {
      return Reply.text(400, FrontEndPeers.AT + " must be a time in epoch milliseconds\n");
    } catch (IllegalArgumentException e) {
      return Reply.text(404, e.getMessage() + "\n");
    } catch (IllegalStateException e) {
      return Reply.text(409, e.getMessage() + "\n");
    }
  }

  private static Reply json(int status, Object value) throws JsonProcessingException {
    return Reply.json(status, JSON.writeValueAsString(value) + "\n");
  }

  private static Path path(String value) {
    return value == null ? null : Path.of(value);
  }

  private static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
