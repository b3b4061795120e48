package org.ocspcluster.responder.revocation;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * The revoked serials of a CRL, packed for lookup. A CRL of a million entries as a map of
 * BigInteger to objects costs five objects per entry and a chain of cache misses per lookup; here a
 * lookup probes an open-addressed table of 64-bit fingerprints, so the common answer (not listed,
 * "good") usually touches one cache line, and a listed serial one more to confirm its bytes.
 * Immutable once built.
 */
final class RevokedSerials {
  private final long[] fingerprints; // 0: empty slot
  private final int[] entryOfSlot;
  private final int mask;
  private final byte[] serialBytes; // every serial's two's-complement bytes, back to back
  private final int[] serialStart; // entry i's bytes are serialStart[i] .. serialStart[i + 1]
  private final long[] revokedAtMillis;
  private final byte[] reasons;

  private RevokedSerials(
      long[] fingerprints,
      int[] entryOfSlot,
      byte[] serialBytes,
      int[] serialStart,
      long[] revokedAtMillis,
      byte[] reasons) {
    this.fingerprints = fingerprints;
    this.entryOfSlot = entryOfSlot;
    this.mask = fingerprints.length - 1;
    this.serialBytes = serialBytes;
    this.serialStart = serialStart;
    this.revokedAtMillis = revokedAtMillis;
    this.reasons = reasons;
  }

  static RevokedSerials of(Map<BigInteger, CertStatus.Revoked> revoked) {
    int n = revoked.size();
    int slots =
        Integer.highestOneBit(Math.max(2, n * 2 - 1))
            << 1; // a power of two, at least 2n: load <= 1/2
    long[] fingerprints = new long[slots];
    int[] entryOfSlot = new int[slots];
    int[] serialStart = new int[n + 1];
    long[] revokedAt = new long[n];
    byte[] reasons = new byte[n];
    byte[][] serials = new byte[n][];
    int i = 0;
    int totalBytes = 0;
    for (Map.Entry<BigInteger, CertStatus.Revoked> e : revoked.entrySet()) {
      serials[i] = e.getKey().toByteArray();
      totalBytes += serials[i].length;
      revokedAt[i] = e.getValue().time().toEpochMilli();
      reasons[i] = (byte) e.getValue().reason();
      long fingerprint = fingerprint(e.getKey());
      int slot = (int) fingerprint & (slots - 1);
      while (fingerprints[slot] != 0) {
        slot = (slot + 1) & (slots - 1);
      }
      fingerprints[slot] = fingerprint;
      entryOfSlot[slot] = i;
      i++;
    }
    byte[] serialBytes = new byte[totalBytes];
    int at = 0;
    for (int k = 0; k < n; k++) {
      serialStart[k] = at;
      System.arraycopy(serials[k], 0, serialBytes, at, serials[k].length);
      at += serials[k].length;
    }
    serialStart[n] = at;
    return new RevokedSerials(
        fingerprints, entryOfSlot, serialBytes, serialStart, revokedAt, reasons);
  }

  /** The serial's revocation, or null when the CRL does not list it. */
  CertStatus.Revoked get(BigInteger serial) {
    long fingerprint = fingerprint(serial);
    byte[] bytes = null;
    for (int slot = (int) fingerprint & mask; fingerprints[slot] != 0; slot = (slot + 1) & mask) {
      if (fingerprints[slot] != fingerprint) {
        continue;
      }
      int entry = entryOfSlot[slot];
      if (bytes == null) {
        bytes = serial.toByteArray();
      }
      if (Arrays.equals(
          serialBytes, serialStart[entry], serialStart[entry + 1], bytes, 0, bytes.length)) {
        return new CertStatus.Revoked(Instant.ofEpochMilli(revokedAtMillis[entry]), reasons[entry]);
      }
    }
    return null;
  }

  int size() {
    return revokedAtMillis.length;
  }

  /** 64 well-mixed bits of the serial, never 0 (0 marks an empty slot). */
  static long fingerprint(BigInteger serial) {
    long h = serial.longValue() ^ ((long) serial.hashCode() << 32) ^ serial.bitLength();
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h == 0 ? 1 : h;
  }
}
