package org.ocspcluster.benchmarks.scale;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.revocation.CrlRevocationSource;

/**
 * How the CRL source scales: for a CRL of N entries (16-byte random serials, as public CAs issue),
 * the time to load it (read, parse, verify, index) and the heap its index keeps per revoked entry.
 * Runs in a JVM of its own per size, so the heap figure is not muddied by earlier loads. Prints one
 * line: {@code entries=N load_ms=T heap_bytes_per_entry=B}.
 */
public final class CrlScale {
  private CrlScale() {}

  public static void main(String[] args) throws Exception {
    int entries = 0;
    Path dir = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--entries" -> entries = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (entries <= 0 || dir == null) {
      System.err.println("usage: CrlScale --entries N --dir DIR");
      System.exit(2);
    }
    Path crl = ensure(dir, entries);
    X509CertificateHolder ca = Pem.readCertificate(caFile(dir, entries));

    long before = usedHeapAfterGc();
    CrlRevocationSource kept = new CrlRevocationSource("scale", crl, ca);
    try {
      if (!kept.refresh()) {
        throw new IllegalStateException("the generated CRL was refused");
      }
      long after = usedHeapAfterGc();
      double perEntry = (after - before) / (double) kept.revokedCount();

      double[] millis = new double[3];
      for (int i = 0; i < millis.length; i++) {
        CrlRevocationSource source = new CrlRevocationSource("scale", crl, ca);
        long started = System.nanoTime();
        source.refresh();
        millis[i] = (System.nanoTime() - started) / 1e6;
      }
      Arrays.sort(millis);
      System.out.printf(
          Locale.ROOT,
          "entries=%d load_ms=%.1f heap_bytes_per_entry=%.1f%n",
          kept.revokedCount(),
          millis[1],
          perEntry);
    } finally {
      // The measured source stays reachable until every load is timed, so its heap is counted.
      java.lang.ref.Reference.reachabilityFence(kept);
    }
  }

  /**
   * The CRL of {@code entries} entries in {@code dir}, made (with its CA) unless a recent one is
   * there.
   */
  public static Path ensure(Path dir, int entries) throws IOException {
    Path crl = dir.resolve("crl-" + entries + ".der");
    Path caFile = caFile(dir, entries);
    if (Files.isRegularFile(crl)
        && Files.isRegularFile(caFile)
        && Files.getLastModifiedTime(crl)
                .compareTo(FileTime.from(Instant.now().minus(Duration.ofDays(7))))
            > 0) {
      return crl;
    }
    Files.createDirectories(dir);
    DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
    Map<BigInteger, Integer> revoked = new HashMap<>(entries * 2);
    BigInteger[] serials =
        serials(entries - 1); // the demo PKI's own revoked certificate is the last one
    for (int i = 0; i < serials.length; i++) {
      revoked.put(serials[i], i % 10 == 0 ? CRLReason.superseded : CRLReason.keyCompromise);
    }
    Instant now = Instant.now();
    Path partial = dir.resolve("crl-" + entries + ".der.tmp");
    Files.write(partial, pki.crl(now, now.plus(Duration.ofDays(30)), revoked).getEncoded());
    Pem.write(caFile, pki.ca());
    Files.move(partial, crl, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return crl;
  }

  public static Path caFile(Path dir, int entries) {
    return dir.resolve("ca-" + entries + ".pem");
  }

  /** The revoked serials of the generated CRLs: 16 random bytes each, the same for every run. */
  public static BigInteger[] serials(int count) {
    SplittableRandom random = new SplittableRandom(20261126L);
    return randomSerials(random, count);
  }

  /** Serials that no generated CRL lists (a different stream). */
  public static BigInteger[] unlisted(int count) {
    return randomSerials(new SplittableRandom(7L), count);
  }

  private static BigInteger[] randomSerials(SplittableRandom random, int count) {
    BigInteger[] serials = new BigInteger[count];
    byte[] bytes = new byte[16];
    for (int i = 0; i < count; i++) {
      random.nextBytes(bytes);
      bytes[0] = (byte) ((bytes[0] & 0x7f) | 0x40); // positive, and always 16 bytes long
      serials[i] = new BigInteger(bytes);
    }
    return serials;
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
