package org.ocspcluster.balancer.forwarding;

import java.util.function.LongSupplier;

/**
 * How many retries a rule may send: at most {@code percent} of the requests of the last ten
 * seconds, plus {@code minPerSecond} per second so that a quiet cluster still retries. Retries are
 * what turn a sick member into a sick cluster; a budget keeps the extra load a fixed share however
 * many members fail (Finagle's retry budget is the model).
 */
final class RetryBudget {
  static final int WINDOW_SECONDS = 10;

  private final int percent;
  private final int minPerSecond;
  private final LongSupplier nanos;
  private final long[] requests = new long[WINDOW_SECONDS];
  private final long[] retries = new long[WINDOW_SECONDS];
  private long second;

  RetryBudget(int percent, int minPerSecond, LongSupplier nanos) {
    this.percent = percent;
    this.minPerSecond = minPerSecond;
    this.nanos = nanos;
    this.second = nanos.getAsLong() / 1_000_000_000L;
  }

  /** A request arrived: it earns its share of a retry. */
  synchronized void request() {
    requests[slot()]++;
  }

  /** Takes one retry from the budget; false (and nothing taken) when it is spent. */
  synchronized boolean tryRetry() {
    int slot = slot();
    long allowed = (long) minPerSecond * WINDOW_SECONDS + sum(requests) * percent / 100;
    if (sum(retries) >= allowed) {
      return false;
    }
    retries[slot]++;
    return true;
  }

  /** The slot of the current second, after clearing the seconds that passed since the last call. */
  private int slot() {
    long now = nanos.getAsLong() / 1_000_000_000L;
    long passed = Math.min(now - second, WINDOW_SECONDS);
    for (long s = 1; s <= passed; s++) {
      int i = (int) Math.floorMod(second + s, (long) WINDOW_SECONDS);
      requests[i] = 0;
      retries[i] = 0;
    }
    if (now > second) {
      second = now;
    }
    return (int) Math.floorMod(second, (long) WINDOW_SECONDS);
  }

  private static long sum(long[] counts) {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    return n;
  }
}
