package org.ocspcluster.cli;

import java.util.concurrent.CountDownLatch;
import org.ocspcluster.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a long-running command in the foreground until SIGINT or SIGTERM, then stops it cleanly.
 */
final class Foreground {
  private static final Logger LOG = LoggerFactory.getLogger(Foreground.class);

  private Foreground() {}

  static int runUntilSignalled(Node process) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping (signal received)");
                  process.close();
                  LOG.info("stopped");
                  stopped.countDown();
                },
                "shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
