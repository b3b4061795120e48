package org.ocspcluster.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Calls a running process's admin listener for the control verbs (query, refresh, host control,
 * signers).
 */
final class AdminClient {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private AdminClient() {}

  static HttpResponse<String> post(AdminOption admin, String pathAndQuery)
      throws IOException, InterruptedException {
    return send(admin, pathAndQuery, HttpRequest.BodyPublishers.noBody());
  }

  /** A POST with a body (e.g. a configuration to apply). */
  static HttpResponse<String> post(AdminOption admin, String pathAndQuery, String body)
      throws IOException, InterruptedException {
    return send(admin, pathAndQuery, HttpRequest.BodyPublishers.ofString(body));
  }

  /**
   * Prints a verb's answer (the body to stdout on success, else to stderr) and returns the exit
   * status.
   */
  static int report(
      HttpResponse<String> response,
      AdminOption admin,
      picocli.CommandLine.Model.CommandSpec spec) {
    boolean ok = response.statusCode() == 200;
    java.io.PrintWriter to = ok ? spec.commandLine().getOut() : spec.commandLine().getErr();
    to.print(admin.json ? response.body() : readable(response.body()));
    to.flush();
    return ok ? 0 : 1;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * A JSON answer as lines for people ("key: value", nested blocks indented, a revision that was
   * applied as one sentence); any other answer as it is.
   */
  static String readable(String body) {
    com.fasterxml.jackson.databind.JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (IOException notJson) {
      return body;
    }
    if (node == null || !(node.isObject() || node.isArray())) {
      return body;
    }
    if (node.isObject() && node.size() == 2 && node.has("revision") && node.has("source")) {
      return "revision "
          + node.get("revision").asText()
          + " in force ("
          + node.get("source").asText()
          + ")\n";
    }
    StringBuilder out = new StringBuilder();
    render(node, "", out);
    return out.toString();
  }

  private static void render(
      com.fasterxml.jackson.databind.JsonNode node, String indent, StringBuilder out) {
    if (node.isObject()) {
      for (var field : node.properties()) {
        var value = field.getValue();
        if (value.isContainerNode()) {
          out.append(indent).append(field.getKey()).append(":\n");
          render(value, indent + "  ", out);
        } else {
          out.append(indent)
              .append(field.getKey())
              .append(": ")
              .append(value.asText())
              .append('\n');
        }
      }
    } else if (node.isArray()) {
      for (var element : node) {
        if (element.isContainerNode()) {
          render(element, indent, out);
          out.append('\n');
        } else {
          out.append(indent).append("- ").append(element.asText()).append('\n');
        }
      }
    } else {
      out.append(indent).append(node.asText()).append('\n');
    }
  }

  static HttpResponse<String> get(AdminOption admin, String pathAndQuery)
      throws IOException, InterruptedException {
    return send(admin, pathAndQuery, null);
  }

  private static HttpResponse<String> send(
      AdminOption admin, String pathAndQuery, HttpRequest.BodyPublisher post)
      throws IOException, InterruptedException {
    String address = admin.address;
    URI uri =
        URI.create((address.startsWith("http") ? address : "http://" + address) + pathAndQuery);
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90));
      request.header(
          org.ocspcluster.node.admin.AdminServer.USER_HEADER,
          System.getProperty("user.name", "unknown"));
      var token = admin.token();
      if (token.isPresent()) {
        request.header("Authorization", "Bearer " + token.get());
      }
      HttpClient client = HTTP;
      if (admin.caFile != null) {
        client =
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(org.ocspcluster.health.HealthChecker.trusting(admin.caFile))
                .build();
      }
      return client.send(
          (post != null ? request.POST(post) : request.GET()).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new IOException(
          "nothing answers at "
              + uri.getAuthority()
              + "; is the cluster running? (name its admin listener with --admin HOST:PORT)",
          e);
    }
  }
}
