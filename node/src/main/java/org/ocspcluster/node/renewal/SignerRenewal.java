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
import java.util.ArrayList;
import java.util.List;
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
import org.ocspcluster.responder.signing.SignerSwap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the signers of each revocation configuration that has a {@code renewal} policy: when one
 * is due, a new key and PKCS#10 request, the enrolment helper (certmonger's contract), checks of
 * what comes back, then the switch. A signer every member shares is renewed once, by the process
 * that keeps the revisions ({@code up}, or the array controller while it leads), and switched by
 * one new revision on every member at once. A member's signer of its own is renewed by the process
 * that runs that member, and switched there alone: its files are replaced in place ({@link
 * SignerSwap}) and read again, no revision. The old signer serves until the new one is in force; a
 * failure leaves it in force and is tried again later, the wait doubling up to a day.
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

  /** Puts a member's renewed signer in force on that member (its files were replaced). */
  @FunctionalInterface
  public interface Local {
    void putInForce(String member, RevocationConfiguration asTheMemberSigns) throws Exception;
  }

  /**
   * What is renewed: a configuration's signer shared by every member ({@code member} null), or the
   * signer of its own one member has; {@code rc} is the configuration as it signs there.
   */
  private record Target(String member, RevocationConfiguration rc) {
    String key() {
      return member == null ? rc.name() : rc.name() + "\u0000" + member;
    }

    /** The {@code member} tag of the metrics: {@code all} for a shared signer. */
    String tag() {
      return member == null ? "all" : member;
    }

    /** How the log names it. */
    String said() {
      return member == null ? "\"" + rc.name() + "\"" : "\"" + rc.name() + "\" on member " + member;
    }
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
  private final java.util.function.Supplier<java.util.List<String>> localMembers;
  private final Local local;
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
   * @param active whether this process renews shared signers now: always for {@code up}; for an
   *     array controller, while it leads (a standby renews nothing)
   * @param assign how a renewed shared signer is put in force (a revision); null in a process that
   *     keeps no revisions, which renews no shared signer
   * @param localMembers the members this process runs, whose own signers it renews
   * @param local how a member's renewed signer is put in force on it
   */
  public SignerRenewal(
      java.util.function.Supplier<ClusterConfig> config,
      java.util.function.BooleanSupplier active,
      Assign assign,
      java.util.function.Supplier<java.util.List<String>> localMembers,
      Local local,
      MeterRegistry registry,
      Clock clock) {
    this.config = config;
    this.active = active;
    this.assign = assign;
    this.localMembers = localMembers;
    this.local = local;
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
      if (now == null || now.members().isEmpty()) {
        return;
      }
      for (RevocationConfiguration rc : now.revocationConfigurations()) {
        if (rc.renewal() == null) {
          continue;
        }
        List<Target> targets = new ArrayList<>();
        RevocationConfiguration shared = sharedSigner(now, rc);
        if (shared != null) {
          if (assign != null && active.getAsBoolean()) {
            targets.add(new Target(null, shared));
          }
        } else {
          for (String member : localMembers.get()) {
            RevocationConfiguration own = ownSigner(now, rc, member);
            if (own != null) {
              targets.add(new Target(member, own));
            }
          }
        }
        for (Target target : targets) {
          try {
            check(now, target);
          } catch (RuntimeException e) {
            LOG.error("signer renewal for {}: {}", target.said(), e.toString());
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.error("signer renewal: {}", e.toString());
    }
  }

  private final java.util.Set<String> warned = ConcurrentHashMap.newKeySet();

  private static RevocationConfiguration asSignedBy(
      ClusterConfig now, RevocationConfiguration rc, String member) {
    return now.revocationConfigurationsFor(member).stream()
        .filter(c -> c.name().equals(rc.name()))
        .findFirst()
        .orElse(null);
  }

  private static boolean pem(RevocationConfiguration forMember) {
    return forMember.signingToken() == null
        && forMember.signingKeystore() == null
        && forMember.signingCertificate() != null
        && forMember.signingKey() != null;
  }

  /**
   * The configuration as every member signs it, when they all sign with the same PEM signer (the
   * configuration's, or one assigned to every member); else null.
   */
  private static RevocationConfiguration sharedSigner(
      ClusterConfig now, RevocationConfiguration rc) {
    RevocationConfiguration first = null;
    for (var member : now.members()) {
      RevocationConfiguration forMember = asSignedBy(now, rc, member.name());
      if (forMember == null) {
        continue;
      }
      if (!pem(forMember)
          || (first != null
              && !first.signingCertificate().equals(forMember.signingCertificate()))) {
        return null;
      }
      first = first == null ? forMember : first;
    }
    return first;
  }

  /**
   * The configuration as {@code member} signs it, when the member signs with a PEM signer no other
   * member uses (renewed on that member alone); else null, and why said once in the log: a key in a
   * token or keystore, or a signer some members share while others have their own, is not renewed
   * (renew it by hand, or give each member its own).
   */
  private RevocationConfiguration ownSigner(
      ClusterConfig now, RevocationConfiguration rc, String member) {
    RevocationConfiguration forMember = asSignedBy(now, rc, member);
    if (forMember == null) {
      return null;
    }
    String why = null;
    if (!pem(forMember)) {
      why = "signs with a key in a token or keystore, which renewal does not renew yet";
    } else {
      for (var other : now.members()) {
        RevocationConfiguration theirs =
            other.name().equals(member) ? null : asSignedBy(now, rc, other.name());
        if (theirs != null
            && pem(theirs)
            && theirs.signingCertificate().equals(forMember.signingCertificate())) {
          why =
              "shares its signer with member "
                  + other.name()
                  + " while other members have their own; give each member its own, or all one";
          break;
        }
      }
    }
    String key = rc.name() + "\u0000" + member;
    if (why == null) {
      warned.remove(key);
      return forMember;
    }
    if (warned.add(key)) {
      LOG.warn("signer renewal for \"{}\" on member {}: not done: it {}", rc.name(), member, why);
    }
    return null;
  }

  private State state(Target target) {
    String name = target.rc().name();
    return states.computeIfAbsent(
        target.key(),
        key -> {
          State s = new State();
          Gauge.builder(
                  "ocsp.signer.renewal.next.attempt",
                  s,
                  st -> st.nextAttempt == null ? Double.NaN : st.nextAttempt.getEpochSecond())
              .description("When the signer of the configuration is next renewed (Unix time)")
              .baseUnit("seconds")
              .tag("configuration", name)
              .tag("member", target.tag())
              .register(registry);
          Gauge.builder("ocsp.signer.renewal.failures", s, st -> st.failures.get())
              .description("Renewals of the configuration's signer failed in a row")
              .tag("configuration", name)
              .tag("member", target.tag())
              .register(registry);
          for (String result : new String[] {"issued", "try_later", "rejected", "failed"}) {
            counter(target, result);
          }
          return s;
        });
  }

  private Counter counter(Target target, String result) {
    return Counter.builder("ocsp.signer.renewal")
        .description("Signer renewals, by result (member \"all\": a signer every member shares)")
        .tag("configuration", target.rc().name())
        .tag("member", target.tag())
        .tag("result", result)
        .register(registry);
  }

  private void check(ClusterConfig now, Target target) {
    RevocationConfiguration rc = target.rc();
    State state = state(target);
    X509CertificateHolder current;
    try {
      current = Pem.readCertificate(rc.signingCertificate());
    } catch (IOException e) {
      LOG.warn(
          "signer renewal for {}: cannot read {}: {}",
          target.said(),
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
      attempt(now, target, current, state);
    } catch (RuntimeException e) {
      failed(target, state, "failed", e.toString(), null);
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
      ClusterConfig now, Target target, X509CertificateHolder current, State state) {
    RevocationConfiguration rc = target.rc();
    Renewal r = rc.renewal();
    String prefix =
        rc.name()
            + (target.member() == null ? "" : "-" + target.member())
            + "-"
            + clock.instant().getEpochSecond();
    SignerRequest.Written written;
    try {
      written =
          SignerRequest.write(
              r.directory(),
              prefix,
              target.member() == null ? now.cluster().name() : target.member(),
              rc.name(),
              now.cluster().name(),
              r.keyType());
    } catch (IOException e) {
      failed(target, state, "failed", "cannot make the request: " + e.getMessage(), null);
      return;
    }
    LOG.info(
        "signer renewal for {}: the signer \"{}\" expires {}; asking the helper for a new one",
        target.said(),
        current.getSubject(),
        current.getNotAfter().toInstant());
    Helper.Result result;
    try {
      result =
          Helper.submit(
              r.helperCommand(), Files.readString(written.request()), rc.name(), HELPER_TIMEOUT);
    } catch (IOException e) {
      discard(written);
      failed(target, state, "failed", "the helper could not run: " + e.getMessage(), null);
      return;
    }
    switch (result.kind()) {
      case ISSUED -> issued(target, current, state, written, result.output());
      case TRY_LATER -> {
        discard(written);
        failed(
            target,
            state,
            "try_later",
            "the helper says to try again later: " + result.said(),
            result.delay());
      }
      default -> {
        discard(written);
        failed(
            target, state, "rejected", "the helper rejected the request: " + result.said(), null);
      }
    }
  }

  private void issued(
      Target target,
      X509CertificateHolder current,
      State state,
      SignerRequest.Written written,
      String pem) {
    RevocationConfiguration rc = target.rc();
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
      String where;
      if (target.member() == null) {
        Outcome outcome =
            assign.assign(rc.name(), new SignerFiles(certificate, written.key(), null, null));
        if (!outcome.applied()) {
          throw new SignerException("the revision was refused: " + outcome.reason());
        }
        where = "on every member, revision " + outcome.revision();
      } else {
        putInForceOnMember(target, pem, written.key());
        where =
            "on member "
                + target.member()
                + " (replaced "
                + rc.signingCertificate()
                + " and its key; the old ones are kept as .previous)";
        discard(written);
        Files.deleteIfExists(certificate);
      }
      state.failures.set(0);
      state.notBefore = Instant.MIN;
      counter(target, "issued").increment();
      LOG.info(
          "signer renewal for {}: \"{}\" (valid until {}) in force {}",
          target.said(),
          signer.certificate().getSubject(),
          signer.certificate().getNotAfter().toInstant(),
          where);
    } catch (IOException | SignerException | RuntimeException e) {
      discard(written);
      try {
        Files.deleteIfExists(certificate);
      } catch (IOException ignored) {
        // only a leftover file
      }
      failed(
          target, state, "failed", "what the helper issued was refused: " + e.getMessage(), null);
    }
  }

  /**
   * The member's signer files replaced in place and read again; when the member will not take them,
   * the old files are put back and the old signer stays in force.
   */
  private void putInForceOnMember(Target target, String pem, Path newKey)
      throws IOException, SignerException {
    RevocationConfiguration rc = target.rc();
    SignerSwap.install(rc.signingCertificate(), rc.signingKey(), pem, newKey);
    try {
      local.putInForce(target.member(), rc);
    } catch (Exception e) {
      SignerSwap.restore(rc.signingCertificate(), rc.signingKey());
      throw new SignerException(
          "member "
              + target.member()
              + " did not take it (the old files are back): "
              + e.getMessage());
    }
  }

  private void failed(Target target, State state, String result, String why, Duration helperDelay) {
    int failures = state.failures.incrementAndGet();
    Duration wait = target.rc().renewal().retry().multipliedBy(1L << Math.min(20, failures - 1));
    if (wait.compareTo(MAX_WAIT) > 0) {
      wait = MAX_WAIT;
    }
    if (helperDelay != null) {
      wait = helperDelay;
    }
    state.notBefore = clock.instant().plus(wait);
    state.nextAttempt = state.notBefore;
    counter(target, result).increment();
    LOG.warn(
        "signer renewal for {} ({} in a row): {}; the signer in force stays, next attempt {}",
        target.said(),
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
