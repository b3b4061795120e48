package org.ocspcluster.benchmarks;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.benchmarks.scale.CrlScale;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.revocation.CrlRevocationSource;
import org.ocspcluster.responder.revocation.StatusAnswer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One status lookup in a loaded CRL of 10k, 100k or 1M entries; half the serials asked are listed
 * (revoked), half are not (good), spread over the whole CRL so the caches see what a busy
 * responder's would. Should stay flat as the CRL grows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = "-Xmx6g")
public class CrlLookupBenchmark {
  private static final int PROBES = 1 << 14;

  @Param({"10000", "100000", "1000000"})
  public int entries;

  /** Where the generated CRLs are kept between runs; empty: a temporary folder. */
  @Param({""})
  public String crlDir;

  private CrlRevocationSource source;
  private BigInteger[] probes;
  private Instant now;
  private int next;

  @Setup
  public void setUp() throws Exception {
    Path dir = crlDir.isEmpty() ? Files.createTempDirectory("crl-lookup") : Path.of(crlDir);
    Path crl = CrlScale.ensure(dir, entries);
    source =
        new CrlRevocationSource("lookup", crl, Pem.readCertificate(CrlScale.caFile(dir, entries)));
    if (!source.refresh()) {
      throw new IllegalStateException("the generated CRL was refused");
    }
    BigInteger[] listed = CrlScale.serials(entries - 1);
    BigInteger[] unlisted = CrlScale.unlisted(PROBES / 2);
    SplittableRandom random = new SplittableRandom(1);
    probes = new BigInteger[PROBES];
    for (int i = 0; i < PROBES; i++) {
      // fresh copies, so the probe objects are not the very keys in the table
      probes[i] =
          new BigInteger(
              (i % 2 == 0 ? listed[random.nextInt(listed.length)] : unlisted[i / 2]).toByteArray());
    }
    now = Instant.now();
  }

  @Benchmark
  public StatusAnswer lookup() throws Exception {
    return source.status(probes[next++ & (PROBES - 1)], now);
  }
}
