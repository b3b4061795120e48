package org.ocspcluster.responder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.responder.http.RequestMetrics;
import org.ocspcluster.responder.ocsp.Answer;
import org.ocspcluster.responder.ocsp.OcspEvents;

/** One member's OCSP metrics in Micrometer; every meter carries the member's name. */
final class ResponderMetrics implements RequestMetrics, OcspEvents {
  static final String NO_CONFIGURATION = "none";

  private final MeterRegistry registry;
  private final String member;
  private final Timer duration;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  ResponderMetrics(MeterRegistry registry, String member) {
    this.registry = registry;
    this.member = member;
    this.duration =
        Timer.builder("ocsp.request.duration")
            .description("Time from a complete OCSP request to its response being written")
            .tag("member", member)
            .publishPercentileHistogram()
            .register(registry);
  }

  // The per-request counters, found without building a key string on every request.
  private final Map<String, Counter> requestsByMethod = new ConcurrentHashMap<>();
  private final Map<String, Map<org.ocspcluster.responder.ocsp.Outcome, Counter>>
      responsesByConfiguration = new ConcurrentHashMap<>();
  private final Map<String, Counter> hitsByConfiguration = new ConcurrentHashMap<>();

  @Override
  public void request(String method) {
    requestsByMethod
        .computeIfAbsent(
            method,
            m -> counter("ocsp.requests", "OCSP requests received, by HTTP method", "method", m))
        .increment();
  }

  @Override
  public void answered(Answer answer, long nanos) {
    duration.record(nanos, TimeUnit.NANOSECONDS);
    responsesByConfiguration
        .computeIfAbsent(configuration(answer.configuration()), c -> new ConcurrentHashMap<>())
        .computeIfAbsent(
            answer.outcome(),
            o ->
                counter(
                    "ocsp.responses",
                    "OCSP responses sent, by configuration and outcome",
                    "configuration",
                    configuration(answer.configuration()),
                    "status",
                    o.label()))
        .increment();
  }

  @Override
  public void cacheHit(String configuration) {
    hitsByConfiguration
        .computeIfAbsent(
            configuration,
            c ->
                counter(
                    "ocsp.cache.hits",
                    "Requests answered with a pre-produced response",
                    "configuration",
                    c))
        .increment();
  }

  @Override
  public void cacheMiss(String configuration) {
    counter(
            "ocsp.cache.misses",
            "Nonce-less requests that waited for a signature",
            "configuration",
            configuration)
        .increment();
  }

  @Override
  public void signed(String configuration) {
    counter("ocsp.signatures", "OCSP responses signed", "configuration", configuration).increment();
  }

  void refreshed(String configuration, String result) {
    counter(
            "ocsp.revocation.source.refresh",
            "Revocation data loads, by result (loaded, unchanged, refused)",
            "configuration",
            configuration,
            "result",
            result)
        .increment();
  }

  /**
   * Pre-registers the counters a configuration will have, so a scrape shows zeros rather than
   * nothing.
   */
  void declare(String configuration) {
    for (var outcome : org.ocspcluster.responder.ocsp.Outcome.values()) {
      counter(
          "ocsp.responses",
          "OCSP responses sent, by configuration and outcome",
          "configuration",
          configuration,
          "status",
          outcome.label());
    }
    counter(
        "ocsp.cache.hits",
        "Requests answered with a pre-produced response",
        "configuration",
        configuration);
    counter(
        "ocsp.cache.misses",
        "Nonce-less requests that waited for a signature",
        "configuration",
        configuration);
    counter("ocsp.signatures", "OCSP responses signed", "configuration", configuration);
    for (String result : new String[] {"loaded", "unchanged", "refused"}) {
      counter(
          "ocsp.revocation.source.refresh",
          "Revocation data loads, by result (loaded, unchanged, refused)",
          "configuration",
          configuration,
          "result",
          result);
    }
  }

  private static String configuration(String name) {
    return name == null ? NO_CONFIGURATION : name;
  }

  private Counter counter(String name, String description, String... tags) {
    String key = name + '|' + String.join("|", tags);
    return counters.computeIfAbsent(
        key,
        k ->
            Counter.builder(name)
                .description(description)
                .tag("member", member)
                .tags(tags)
                .register(registry));
  }
}
