package org.ocspcluster.responder.revocation;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.ocspcluster.config.Location;

/**
 * Reads revocation data from a file or an http(s) URL, bounded in size and time. Called on the
 * refresher thread only: it blocks.
 */
final class Fetcher {
  /** Larger than any real CRL (a million entries is about 40 MB). */
  static final long MAX_BYTES = 512L * 1024 * 1024;

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(TIMEOUT)
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();

  private Fetcher() {}

  static byte[] fetch(Location location) throws IOException {
    if (location.isFile()) {
      long size = Files.size(location.file());
      if (size > MAX_BYTES) {
        throw new IOException(
            location + " is " + size + " bytes, more than the " + MAX_BYTES + " allowed");
      }
      return Files.readAllBytes(location.file());
    }
    HttpRequest request = HttpRequest.newBuilder(location.url()).timeout(TIMEOUT).GET().build();
    try {
      HttpResponse<InputStream> response =
          HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        if (response.statusCode() != 200) {
          throw new IOException("GET " + location + " answered HTTP " + response.statusCode());
        }
        byte[] bytes = in.readNBytes((int) Math.min(MAX_BYTES + 1, Integer.MAX_VALUE - 8));
        if (bytes.length > MAX_BYTES) {
          throw new IOException("GET " + location + " sent more than " + MAX_BYTES + " bytes");
        }
        return bytes;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + location, e);
    } catch (java.net.ConnectException e) {
      throw new IOException("GET " + location + ": connection refused or unreachable", e);
    } catch (java.net.http.HttpTimeoutException e) {
      throw new IOException(
          "GET " + location + ": no answer within " + TIMEOUT.toSeconds() + " s", e);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("GET ")) {
        throw e;
      }
      // The HTTP client's exceptions often carry no message of their own.
      throw new IOException(
          "GET "
              + location
              + ": "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
          e);
    }
  }
}
