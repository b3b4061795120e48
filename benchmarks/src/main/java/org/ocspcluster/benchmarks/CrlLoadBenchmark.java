package org.ocspcluster.benchmarks;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.CRLReason;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.responder.revocation.CrlRevocationSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Loading a CRL (read, parse, verify, index), per entry, for a 10,000-entry CRL. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class CrlLoadBenchmark {
  static final int ENTRIES = 10_000;

  private CrlRevocationSource source;

  @Setup
  public void setUp() throws Exception {
    DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
    Map<BigInteger, Integer> revoked = new HashMap<>();
    for (int i = 1; i < ENTRIES; i++) {
      revoked.put(BigInteger.valueOf(1_000_000L + i), CRLReason.keyCompromise);
    }
    Path file = Files.createTempFile("ocsp-bench", ".crl");
    Instant now = Instant.now();
    Files.write(file, pki.crl(now, now.plusSeconds(86_400), revoked).getEncoded());
    source = new CrlRevocationSource("bench", file, pki.ca());
  }

  @Benchmark
  @OperationsPerInvocation(ENTRIES)
  public boolean loadPerEntry() {
    return source.refresh();
  }
}
