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
  static int report(HttpResponse<String> response, picocli.CommandLine.Model.CommandSpec spec) {
    boolean ok = response.statusCode() == 200;
    java.io.PrintWriter to = ok ? spec.commandLine().getOut() : spec.commandLine().getErr();
    to.print(response.body());
    to.flush();
    return ok ? 0 : 1;
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
