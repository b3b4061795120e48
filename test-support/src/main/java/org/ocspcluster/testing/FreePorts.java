package org.ocspcluster.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Loopback ports free at the moment of asking, for tests that start listeners at fixed addresses.
 */
public final class FreePorts {
  private FreePorts() {}

  /**
   * {@code n} distinct ports, each free when this returns (all held open together while choosing).
   */
  public static int[] take(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
    return ports;
  }
}
