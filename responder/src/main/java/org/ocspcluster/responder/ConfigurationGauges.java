package org.ocspcluster.responder;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.ocspcluster.responder.ocsp.ServedCa;

/**
 * A member's per-configuration gauges, registered once per (member, configuration) and read through
 * whatever is in force. Why: Micrometer keeps the first registration of a name and tags and holds a
 * gauge's object weakly, so gauges bound to one generation of a configuration read {@code NaN}
 * after a live change. A configuration that leaves takes its gauges with it.
 */
final class ConfigurationGauges {
  private final MeterRegistry registry;
  private final String member;
  private final Supplier<? extends Collection<ServedCa>> inForce;
  private final Map<String, List<Meter>> registered = new LinkedHashMap<>();

  ConfigurationGauges(
      MeterRegistry registry, String member, Supplier<? extends Collection<ServedCa>> inForce) {
    this.registry = registry;
    this.member = member;
    this.inForce = inForce;
  }

  /**
   * Registers the gauges of configurations new in {@code names}, removes those of configurations
   * gone.
   */
  synchronized void follow(Collection<String> names) {
    for (var it = registered.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (!names.contains(entry.getKey())) {
        entry.getValue().forEach(registry::remove);
        it.remove();
      }
    }
    for (String name : names) {
      registered.computeIfAbsent(name, this::register);
    }
  }

  /** Removes every gauge: the member stopped. */
  synchronized void close() {
    follow(List.of());
  }

  private List<Meter> register(String configuration) {
    List<Meter> meters = new ArrayList<>();
    meters.add(
        gauge(
            "ocsp.revocation.source.next.update",
            configuration,
            "When the revocation data in force promises newer data (Unix time)",
            "seconds",
            ca ->
                ca.source().nextUpdate() == null
                    ? Double.NaN
                    : ca.source().nextUpdate().getEpochSecond()));
    meters.add(
        gauge(
            "ocsp.revocation.source.load.progress",
            configuration,
            "Progress of the revocation data load under way, 0..1 (1 when idle)",
            null,
            ca -> ca.source().loadProgress()));
    meters.add(
        gauge(
            "ocsp.revocation.source.revoked",
            configuration,
            "Revoked certificates listed by the revocation data in force",
            null,
            ca -> ca.source().revokedCount()));
    meters.add(
        gauge(
            "ocsp.signer.not.after",
            configuration,
            "When the signing certificate in force expires (Unix time)",
            "seconds",
            ca ->
                ca.signer().certificate() == null
                    ? Double.NaN
                    : ca.signer().certificate().getNotAfter().toInstant().getEpochSecond()));
    return meters;
  }

  private Gauge gauge(
      String name,
      String configuration,
      String description,
      String unit,
      ToDoubleFunction<ServedCa> read) {
    return Gauge.builder(name, this, g -> g.read(configuration, read))
        .description(description)
        .baseUnit(unit)
        .tag("member", member)
        .tag("configuration", configuration)
        .strongReference(true)
        .register(registry);
  }

  private double read(String configuration, ToDoubleFunction<ServedCa> read) {
    for (ServedCa ca : inForce.get()) {
      if (ca.name().equals(configuration)) {
        return read.applyAsDouble(ca);
      }
    }
    return Double.NaN;
  }
}
