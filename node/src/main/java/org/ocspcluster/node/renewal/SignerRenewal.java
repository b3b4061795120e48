package org.ocspcluster.node.renewal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Renewal;
import org.ocspcluster.config.RevocationConfiguration;
import org.ocspcluster.config.SignerFiles;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.signing.ResponseSigner;
import org.ocspcluster.responder.signing.SignerException;
import org.ocspcluster.responder.signing.SignerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the shared signer of each revocation configuration that has a {@code renewal} policy: when
 * it is due, a new key and PKCS#10 request, the enrolment helper (certmonger's contract), checks of
 * what comes back, and one new revision that puts the new signer in force on every member at once.
 * The old signer serves until that revision is applied; a failure leaves it in force and is tried
 * again later, the wait doubling up to a day. Runs in the process that keeps the revisions: {@code
 * up}, or the array controller while it leads.
 */
public final class SignerRenewal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SignerRenewal.class);

  /** How often renewals are checked for being due (a system property, for tests). */
  private final Duration check =
      Duration.ofMillis(Long.getLong("ocsp.cluster.renewal.check.millis", 60_000));

  private static final Duration HELPER_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration MAX_WAIT = Duration.ofDays(1);

  /** Puts a new signer in force on every member: one new revision. */
  @FunctionalInterface
  public interface Assign {
    Outcome assign(String configuration, SignerFiles files) throws IOException;
  }

  /**
   * A configuration's renewal state: failures in a row, and no attempt before {@code notBefore}.
   */
  private static final class State {
    final java.util.concurrent.atomic.AtomicInteger failures =
        new java.util.concurrent.atomic.AtomicInteger();
    volatile Instant notBefore = Instant.MIN;
    volatile Instant nextAttempt;
  }

  private final java.util.function.Supplier<ClusterConfig> config;
  private final java.util.function.BooleanSupplier active;
  private final Assign assign;
  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "signer-renewal");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param active whether this process renews now: always for {@code up}; for an array controller,
   *     while it leads (a standby renews nothing)
   */
  public SignerRenewal(
      java.util.function.Supplier<ClusterConfig> config,
      java.util.function.BooleanSupplier active,
      Assign assign,
      MeterRegistry registry,
      Clock clock) {
    this.config = config;
    this.active = active;
    this.assign = assign;
    this.registry = registry;
    this.clock = clock;
  }

  public SignerRenewal start() {
    scheduler.scheduleWithFixedDelay(this::checkAll, 0, check.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Never throws: an exception would end the periodic check for good. */
  private void checkAll() {
    try {
      ClusterConfig now = config.get();
      if (now == null || now.members().isEmpty() || !active.getAsBoolean()) {
        return;
      }
      for (RevocationConfiguration rc : now.revocationConfigurations()) {
        if (rc.renewal() == null) {
          continue;
        }
        RevocationConfiguration inForce = sharedSigner(now, rc);
        if (inForce == null) {
          continue;
        }
        try {
          check(now, inForce);
        } catch (RuntimeException e) {
          LOG.error("signer renewal for \"{}\": {}", rc.name(), e.toString());
        }
      }
    } catch (RuntimeException e) {
      LOG.error("signer renewal: {}", e.toString());
    }
  }

  private final java.util.Set<String> warned = ConcurrentHashMap.newKeySet();

  /**
   * The configuration as every member signs it, when they all sign with the same PEM signer (the
   * configuration's, or one assigned to every member): renewal renews a shared signer and puts the
   * new one in force on every member, so members with signers of their own (or in a token or
   * keystore) are left alone, said once in the log.
   */
  private RevocationConfiguration sharedSigner(ClusterConfig now, RevocationConfiguration rc) {
    RevocationConfiguration first = null;
    for (var member : now.members()) {
      RevocationConfiguration forMember =
          now.revocationConfigurationsFor(member.name()).stream()
              .filter(c -> c.name().equals(rc.name()))
              .findFirst()
              .orElse(null);
      if (forMember == null) {
        continue;
      }
      boolean pem =
          forMember.signingToken() == null
              && forMember.signingKeystore() == null
              && forMember.signingCertificate() != null;
      if (!pem
          || (first != null
              && !first.signingCertificate().equals(forMember.signingCertificate()))) {
        if (warned.add(rc.name())) {
          LOG.warn(
              "signer renewal for \"{}\": not done: member {} signs with {}; renewal renews one PEM"
                  + " signer shared by every member",
              rc.name(),
              member.name(),
              pem ? "a signer of its own" : "a key in a token or keystore");
        }
        return null;
      }
      first = first == null ? forMember : first;
    }
    warned.remove(rc.name());
    return first;
  }

  private State state(String configuration) {
    return states.computeIfAbsent(
        configuration,
        name -> {
          State s = new State();
          Gauge.builder(
                  "ocsp.signer.renewal.next.attempt",
                  s,
                  st -> st.nextAttempt == null ? Double.NaN : st.nextAttempt.getEpochSecond())
              .description("When the signer of the configuration is next renewed (Unix time)")
              .baseUnit("seconds")
              .tag("configuration", name)
              .register(registry);
          Gauge.builder("ocsp.signer.renewal.failures", s, st -> st.failures.get())
              .description("Renewals of the configuration's signer failed in a row")
              .tag("configuration", name)
              .register(registry);
          for (String result : new String[] {"issued", "try_later", "rejected", "failed"}) {
            counter(name, result);
          }
          return s;
        });
  }

  private Counter counter(String configuration, String result) {
    return Counter.builder("ocsp.signer.renewal")
        .description("Signer renewals, by result")
        .tag("configuration", configuration)
        .tag("result", result)
        .register(registry);
  }

  private void check(ClusterConfig now, RevocationConfiguration rc) {
    State state = state(rc.name());
    X509CertificateHolder current;
    try {
      current = Pem.readCertificate(rc.signingCertificate());
    } catch (IOException e) {
      LOG.warn(
          "signer renewal for \"{}\": cannot read {}: {}",
          rc.name(),
          rc.signingCertificate(),
          e.getMessage());
      return;
    }
    Instant due = due(current, rc.renewal());
    Instant at = due.isAfter(state.notBefore) ? due : state.notBefore;
    state.nextAttempt = at;
    if (clock.instant().isBefore(due)) {
      state.failures.set(0); // not due (renewed by hand, say): nothing is failing
      return;
    }
    if (clock.instant().isBefore(at)) {
      return;
    }
    try {
      attempt(now, rc, current, state);
    } catch (RuntimeException e) {
      failed(rc, state, "failed", e.toString(), null);
    }
  }

  /** When a signer valid from notBefore to notAfter is renewed under {@code r}. */
  static Instant due(X509CertificateHolder signer, Renewal r) {
    Instant from = signer.getNotBefore().toInstant();
    Instant to = signer.getNotAfter().toInstant();
    if (r.before() != null) {
      return to.minus(r.before());
    }
    return from.plus(Duration.between(from, to).multipliedBy(r.atPercent()).dividedBy(100));
  }

  private void attempt(
      ClusterConfig now, RevocationConfiguration rc, X509CertificateHolder current, State state) {
    Renewal r = rc.renewal();
    String prefix = rc.name() + "-" + clock.instant().getEpochSecond();
    SignerRequest.Written written;
    try {
      written =
          SignerRequest.write(
              r.directory(),
              prefix,
              now.cluster().name(),
              rc.name(),
              now.cluster().name(),
              r.keyType());
    } catch (IOException e) {
      failed(rc, state, "failed", "cannot make the request: " + e.getMessage(), null);
      return;
    }
    LOG.info(
        "signer renewal for \"{}\": the signer \"{}\" expires {}; asking the helper for a new one",
        rc.name(),
        current.getSubject(),
        current.getNotAfter().toInstant());
    Helper.Result result;
    try {
      result =
          Helper.submit(
              r.helperCommand(), Files.readString(written.request()), rc.name(), HELPER_TIMEOUT);
    } catch (IOException e) {
      discard(written);
      failed(rc, state, "failed", "the helper could not run: " + e.getMessage(), null);
      return;
    }
    switch (result.kind()) {
      case ISSUED -> issued(rc, current, state, written, result.output());
      case TRY_LATER -> {
        discard(written);
        failed(
            rc,
            state,
            "try_later",
            "the helper says to try again later: " + result.said(),
            result.delay());
      }
      default -> {
        discard(written);
        failed(rc, state, "rejected", "the helper rejected the request: " + result.said(), null);
      }
    }
  }

  private void issued(
      RevocationConfiguration rc,
      X509CertificateHolder current,
      State state,
      SignerRequest.Written written,
      String pem) {
    Path certificate =
        written
            .request()
            .resolveSibling(
                written.request().getFileName().toString().replaceAll("\\.csr$", ".pem"));
    try {
      Files.writeString(certificate, pem, StandardCharsets.US_ASCII);
      X509CertificateHolder ca = Pem.readCertificate(rc.caCertificate());
      // Every check a member makes: issued by the CA, OCSPSigning, key match, valid now.
      ResponseSigner signer =
          ResponseSigner.load(
              certificate,
              written.key(),
              ca,
              rc.responderId() == RevocationConfiguration.ResponderIdType.BY_NAME);
      if (rc.profile() == RevocationConfiguration.Profile.CABFORUM
          && signer.baselineRequirementsProblem() != null) {
        throw new SignerException(signer.baselineRequirementsProblem());
      }
      Instant newNotAfter = signer.certificate().getNotAfter().toInstant();
      if (!due(signer.certificate(), rc.renewal()).isAfter(clock.instant())) {
        throw new SignerException(
            "the new certificate (valid until "
                + newNotAfter
                + ") would be due for renewal at once: the CA issues it for less than"
                + " renewal.before, or atPercent is too low");
      }
      if (!newNotAfter.isAfter(current.getNotAfter().toInstant())) {
        throw new SignerException(
            "the new certificate expires "
                + signer.certificate().getNotAfter().toInstant()
                + ", not after the one in force");
      }
      Outcome outcome =
          assign.assign(rc.name(), new SignerFiles(certificate, written.key(), null, null));
      if (!outcome.applied()) {
        throw new SignerException("the revision was refused: " + outcome.reason());
      }
      state.failures.set(0);
      state.notBefore = Instant.MIN;
      counter(rc.name(), "issued").increment();
      LOG.info(
          "signer renewal for \"{}\": \"{}\" (valid until {}) in force on every member, revision {}",
          rc.name(),
          signer.certificate().getSubject(),
          signer.certificate().getNotAfter().toInstant(),
          outcome.revision());
    } catch (IOException | SignerException | RuntimeException e) {
      discard(written);
      try {
        Files.deleteIfExists(certificate);
      } catch (IOException ignored) {
        // only a leftover file
      }
      failed(rc, state, "failed", "what the helper issued was refused: " + e.getMessage(), null);
    }
  }

  private void failed(
      RevocationConfiguration rc, State state, String result, String why, Duration helperDelay) {
    int failures = state.failures.incrementAndGet();
    Duration wait = rc.renewal().retry().multipliedBy(1L << Math.min(20, failures - 1));
    if (wait.compareTo(MAX_WAIT) > 0) {
      wait = MAX_WAIT;
    }
    if (helperDelay != null) {
      wait = helperDelay;
    }
    state.notBefore = clock.instant().plus(wait);
    state.nextAttempt = state.notBefore;
    counter(rc.name(), result).increment();
    LOG.warn(
        "signer renewal for \"{}\" ({} in a row): {}; the signer in force stays, next attempt {}",
        rc.name(),
        failures,
        why,
        state.notBefore);
  }

  /** A key that never became a signer is not left behind. */
  private static void discard(SignerRequest.Written written) {
    try {
      Files.deleteIfExists(written.key());
      Files.deleteIfExists(written.request());
    } catch (IOException ignored) {
      // only leftover files
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
