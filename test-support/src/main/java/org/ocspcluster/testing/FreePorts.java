package org.ocspcluster.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports free at the moment of asking, for tests that start listeners at fixed addresses.
 * They are taken below the kernel's ephemeral range (32768 and up on Linux): a port from that range
 * can be handed to a client's outgoing connection between the asking and the listening, which made
 * tests fail now and then with "port in use". No port is handed out twice in one JVM.
 */
public final class FreePorts {
  private static final int LOW = 20_000;
  private static final int HIGH = 32_000;
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /**
   * {@code n} distinct ports, each free when this returns (all held open together while choosing).
   */
  public static int[] take(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    int[] ports = new int[n];
    try {
      int found = 0;
      int start = ThreadLocalRandom.current().nextInt(LOW, HIGH);
      for (int i = 0; i < HIGH - LOW && found < n; i++) {
        int port = LOW + (start - LOW + i) % (HIGH - LOW);
        if (!GIVEN.add(port)) {
          continue;
        }
        ServerSocket socket = new ServerSocket();
        try {
          socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
          sockets[found] = socket;
          ports[found] = port;
          found++;
        } catch (IOException inUse) {
          socket.close(); // taken by someone else: the next one
        }
      }
      if (found < n) {
        throw new IOException("no " + n + " free loopback ports between " + LOW + " and " + HIGH);
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
