package org.ocspcluster.cli;

import java.util.concurrent.CountDownLatch;
import org.ocspcluster.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a long-running command in the foreground until SIGINT or SIGTERM, then stops it cleanly.
 * SIGHUP ({@code systemctl reload}) is Refresh Revocation Data for the members it runs.
 */
final class Foreground {
  private static final Logger LOG = LoggerFactory.getLogger(Foreground.class);

  private Foreground() {}

  static int runUntilSignalled(Node process) {
    reloadOnHangUp(process);
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

  /**
   * SIGHUP: every member this process runs reloads its revocation data, said in the log. Java has
   * no public API for signals; jdk.unsupported's {@code sun.misc.Signal} is the one meant for
   * applications, reached by reflection so that the build (warnings are errors) does not warn.
   */
  private static void reloadOnHangUp(Node process) {
    Runnable reload =
        () ->
            new Thread(
                    () -> {
                      var results = process.refresh();
                      if (results.isEmpty()) {
                        LOG.info(
                            "reload (SIGHUP): this process runs no member; nothing to refresh");
                      } else {
                        results.forEach(
                            (member, each) ->
                                LOG.info(
                                    "reload (SIGHUP): member {} refreshed its revocation data: {}",
                                    member,
                                    each));
                      }
                    },
                    "reload")
                .start();
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object onHangUp =
          java.lang.reflect.Proxy.newProxyInstance(
              handler.getClassLoader(),
              new Class<?>[] {handler},
              (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                  reload.run();
                  return null;
                }
                return method.invoke(reload, args); // toString, hashCode, equals
              });
      signal
          .getMethod("handle", signal, handler)
          .invoke(null, signal.getConstructor(String.class).newInstance("HUP"), onHangUp);
    } catch (ReflectiveOperationException | RuntimeException noSignals) {
      LOG.info("SIGHUP cannot be handled in this Java ({}): reload with `refresh`", noSignals);
    }
  }
}
