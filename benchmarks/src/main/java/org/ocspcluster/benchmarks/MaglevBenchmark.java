package org.ocspcluster.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.balancer.rules.MaglevTable;
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
 * Building a rule's Maglev table (on a configuration change) and looking a client up (every
 * connection).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class MaglevBenchmark {
  @Param({"2", "8", "32"})
  public int members;

  private Map<String, Integer> weights;
  private MaglevTable table;
  private long key;

  @Setup
  public void setUp() {
    weights = new LinkedHashMap<>();
    for (int i = 1; i <= members; i++) {
      weights.put("responder-" + i, 50 + i);
    }
    table = MaglevTable.build(weights);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public MaglevTable build() {
    return MaglevTable.build(weights);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public String lookup() {
    key += 0x9E3779B97F4A7C15L;
    return table.lookup(key, name -> true, 3).get(0);
  }
}
