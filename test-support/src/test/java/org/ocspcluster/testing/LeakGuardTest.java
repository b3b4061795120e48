package org.ocspcluster.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeakGuardTest {

  @AfterEach
  void forgetTheDeliberateLeak() {
    LeakGuard.clear();
  }

  @Test
  void aBufferDroppedWithoutReleaseIsReported() {
    leakOne();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              System.gc();
              ByteBufAllocator.DEFAULT.buffer(1).release();
              return !LeakGuard.reported().isEmpty();
            });
    assertFalse(LeakGuard.reported().isEmpty());
  }

  private static void leakOne() {
    ByteBuf leaked = ByteBufAllocator.DEFAULT.buffer(16);
    leaked.writeInt(42);
    // dropped on purpose without release()
  }
}
