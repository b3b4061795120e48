package org.ocspcluster.benchmarks.endtoend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * A ratio between two targets of one section, computed round by round (A and B ran back to back in
 * each round, so each ratio saw the same machine weather), summarised as the median and the spread.
 */
record Comparison(String label, String section, String a, String b, Metric metric, Target target) {

  enum Metric {
    THROUGHPUT("req/s", r -> r.load().requestsPerSecond()),
    P99("p99", r -> r.load().p99Millis()),
    /** Time per operation, from a rate: for lookups measured by JMH. */
    TIME("time per lookup", r -> 1e9 / r.load().requestsPerSecond());

    final String label;

    @SuppressWarnings("ImmutableEnumChecker") // a method reference, never changed
    final ToDoubleFunction<Run> value;

    Metric(String label, ToDoubleFunction<Run> value) {
      this.label = label;
      this.value = value;
    }
  }

  /**
   * The goal: the ratio at least (or at most) {@code value}; {@link #NONE} for information only.
   */
  record Target(double value, boolean atLeast) {
    static final Target NONE = new Target(Double.NaN, true);

    static Target atLeast(double value) {
      return new Target(value, true);
    }

    static Target atMost(double value) {
      return new Target(value, false);
    }

    boolean defined() {
      return !Double.isNaN(value);
    }

    boolean metBy(double ratio) {
      return !defined() || (atLeast ? ratio >= value : ratio <= value);
    }

    @Override
    public String toString() {
      return defined() ? (atLeast ? ">= " : "<= ") + value + "x" : "";
    }
  }

  /** The per-round ratios and their summary. */
  record Outcome(Comparison comparison, double[] ratios, double median, double min, double max) {
    boolean met() {
      return comparison.target().metBy(median);
    }
  }

  Optional<Outcome> outcome(List<Run> runs) {
    List<Double> ratios = new ArrayList<>();
    for (Run ra : runs) {
      if (!ra.section().equals(section) || !ra.target().equals(a) || ra.round() < 1) {
        continue;
      }
      runs.stream()
          .filter(
              rb ->
                  rb.section().equals(section) && rb.target().equals(b) && rb.round() == ra.round())
          .findFirst()
          .ifPresent(
              rb -> ratios.add(metric.value.applyAsDouble(ra) / metric.value.applyAsDouble(rb)));
    }
    if (ratios.isEmpty()) {
      return Optional.empty();
    }
    double[] values = ratios.stream().mapToDouble(Double::doubleValue).toArray();
    return Optional.of(
        new Outcome(
            this,
            values,
            median(values),
            Arrays.stream(values).min().orElseThrow(),
            Arrays.stream(values).max().orElseThrow()));
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
