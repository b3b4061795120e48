package org.ocspcluster.balancer.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

  private int retriesAllowed(RetryBudget budget) {
    int n = 0;
    while (budget.tryRetry()) {
      n++;
    }
    return n;
  }

  @Test
  void retriesAreAShareOfTheRequestsPlusTheFloor() {
    RetryBudget budget = new RetryBudget(20, 1, nanos::get);
    for (int i = 0; i < 100; i++) {
      budget.request();
    }
    // 20% of 100 requests, plus 1 per second over the 10-second window.
    assertEquals(30, retriesAllowed(budget));
  }

  @Test
  void noBudgetAndNoFloorMeansNoRetry() {
    RetryBudget budget = new RetryBudget(0, 0, nanos::get);
    budget.request();
    assertFalse(budget.tryRetry());
  }

  @Test
  void requestsAndRetriesOlderThanTheWindowNoLongerCount() {
    RetryBudget budget = new RetryBudget(50, 0, nanos::get);
    for (int i = 0; i < 10; i++) {
      budget.request();
    }
    assertEquals(5, retriesAllowed(budget));
    nanos.addAndGet(RetryBudget.WINDOW_SECONDS * 1_000_000_000L);
    assertFalse(budget.tryRetry(), "the old requests left the window, and their share with them");
    budget.request();
    budget.request();
    assertTrue(budget.tryRetry());
    assertFalse(budget.tryRetry());
  }
}
