package org.ocspcluster.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls a running process's admin listener for the control verbs (refresh, assign-signer). */
final class AdminClient {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private AdminClient() {}

  static HttpResponse<String> post(String admin, String pathAndQuery) throws IOException, InterruptedException {
    URI uri = URI.create((admin.startsWith("http") ? admin : "http://" + admin) + pathAndQuery);
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new IOException("nothing answers at " + uri.getAuthority()
          + "; is the cluster running? (name its admin listener with --admin HOST:PORT)", e);
    }
  }
}
