package org.ocspcluster.balancer.rules;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.ocspcluster.config.Affinity;

/**
 * The part of a client's address that a multiple-host rule's affinity keeps together, hashed to a
 * number that is the same in every process (so two balancers with one configuration agree): none,
 * the client's IP and port; single, its IP; network, its /24 (IPv4) or /64 (IPv6).
 */
public final class AffinityKey {
  private AffinityKey() {}

  public static long of(Affinity affinity, InetSocketAddress client) {
    byte[] ip = client.getAddress().getAddress();
    byte[] key =
        switch (affinity) {
          case NONE ->
              ByteBuffer.allocate(ip.length + 2).put(ip).putShort((short) client.getPort()).array();
          case SINGLE -> ip;
          case NETWORK -> Arrays.copyOf(ip, ip.length == 4 ? 3 : 8);
        };
    try {
      return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(key)).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
