package org.ocspcluster.responder.http;

import io.netty.handler.codec.DateFormatter;
import io.netty.util.concurrent.FastThreadLocal;
import java.time.Instant;
import java.util.Date;

/**
 * HTTP dates (RFC 9110 IMF-fixdate) for the caching headers. Every GET answer carries three, and
 * they repeat: the same thisUpdate and nextUpdate until the response is re-signed, the same Date
 * for a whole second. So each event loop keeps the last few it wrote instead of formatting each
 * time.
 */
public final class HttpDates {
  private static final int SLOTS = 8;
  private static final FastThreadLocal<HttpDates> PER_THREAD =
      new FastThreadLocal<>() {
        @Override
        protected HttpDates initialValue() {
          return new HttpDates();
        }
      };

  private final long[] seconds = new long[SLOTS];
  private final String[] texts = new String[SLOTS];
  private int next;

  private HttpDates() {}

  /** {@code instant} to the second, as an HTTP date. */
  public static String format(Instant instant) {
    return PER_THREAD.get().formatCached(instant.getEpochSecond());
  }

  private String formatCached(long second) {
    for (int i = 0; i < SLOTS; i++) {
      if (texts[i] != null && seconds[i] == second) {
        return texts[i];
      }
    }
    @SuppressWarnings("JavaUtilDate") // Netty's DateFormatter takes a Date
    String text = DateFormatter.format(new Date(second * 1000));
    seconds[next] = second;
    texts[next] = text;
    next = (next + 1) % SLOTS;
    return text;
  }
}
