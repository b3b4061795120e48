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
import org.ocspcluster.config.SigningToken;
import org.ocspcluster.node.revision.Outcome;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.signing.ResponseSigner;
import org.ocspcluster.responder.signing.SignerException;
import org.ocspcluster.responder.signing.SignerRequest;
import org.ocspcluster.responder.signing.SignerSwap;
import org.ocspcluster.responder.signing.TokenRequest;
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
    /**
     * Puts the member's renewed signer in force.
     *
     * @param ready the renewed signer, loaded and checked (a key in a token, not yet labelled);
     *     null when the member reads it from the files the configuration names
     */
    void putInForce(String member, RevocationConfiguration asTheMemberSigns, ResponseSigner ready)
        throws Exception;
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
   * A request handed to the helper: its file, how to throw its new key away, what to do with the
   * certificate, and the CA's cookie once it is working on it.
   */
  private record Pending(
      RevocationConfiguration rc,
      Path request,
      Runnable discard,
      java.util.function.Consumer<String> issued,
      String cookie) {
    Pending withCookie(String next) {
      return new Pending(rc, request, discard, issued, next);
    }
  }

  /** The last step of a member's token key renewal, to be done again. */
  @FunctionalInterface
  private interface Unfinished {
    void finish() throws SignerException;
  }

  /**
   * A configuration's renewal state: failures in a row, and no attempt before {@code notBefore}.
   */
  private static final class State {
    final java.util.concurrent.atomic.AtomicInteger failures =
        new java.util.concurrent.atomic.AtomicInteger();
    volatile Instant notBefore = Instant.MIN;
    volatile Instant nextAttempt;

    /** A request the CA is working on (it gave a cookie to poll with), or null. */
    volatile Pending pending;

    /**
     * A member's renewed token key in force that has not yet taken over its label (the token failed
     * then): done again before anything else, never renewed over.
     */
    volatile Unfinished unfinished;

    /** Its meters: removed with it, so that none outlives what it measures. */
    final List<io.micrometer.core.instrument.Meter> meters = new ArrayList<>();
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
      java.util.Set<String> renewing = new java.util.HashSet<>();
      for (RevocationConfiguration rc : now.revocationConfigurations()) {
        if (rc.renewal() == null) {
          continue;
        }
        List<Target> targets = new ArrayList<>();
        RevocationConfiguration shared = sharedSigner(now, rc);
        if (shared != null) {
          if (assign != null && active.getAsBoolean()) {
            targets.add(new Target(null, shared));
          } else if (assign == null && warned.add(rc.name() + "\u0000shared")) {
            LOG.info(
                "signer renewal for \"{}\": every member shares its signer, so the process that"
                    + " keeps the revisions renews it (up, or the array controller), not this one",
                rc.name());
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
          renewing.add(target.key());
          try {
            check(now, target);
          } catch (RuntimeException e) {
            LOG.error("signer renewal for {}: {}", target.said(), e.toString());
          }
        }
      }
      // What this process no longer renews (the signer changed hands, or a standby): its state
      // and meters go, so that no failure count outlives the renewal it counted.
      states
          .entrySet()
          .removeIf(
              e -> {
                if (renewing.contains(e.getKey())) {
                  return false;
                }
                e.getValue().meters.forEach(registry::remove);
                Pending waiting = e.getValue().pending;
                if (waiting != null) {
                  waiting.discard().run();
                }
                return true;
              });
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

  /** A PEM signer, or a key in a token: what renewal renews (a PKCS#12 file it does not). */
  private static boolean renewable(RevocationConfiguration forMember) {
    return pem(forMember)
        || (forMember.signingToken() != null && forMember.signingKeystore() == null);
  }

  /** Whether two members sign with the same signer (the same files, or the same token key). */
  private static boolean sameSigner(RevocationConfiguration a, RevocationConfiguration b) {
    return java.util.Objects.equals(a.signingCertificate(), b.signingCertificate())
        && java.util.Objects.equals(a.signingKey(), b.signingKey())
        && java.util.Objects.equals(a.signingToken(), b.signingToken());
  }

  /**
   * The configuration as every member signs it, when they all sign with the same PEM signer or key
   * in a token (the configuration's, or one assigned to every member); else null.
   */
  private static RevocationConfiguration sharedSigner(
      ClusterConfig now, RevocationConfiguration rc) {
    RevocationConfiguration first = null;
    int signing = 0;
    boolean own = false;
    for (var member : now.members()) {
      RevocationConfiguration forMember = asSignedBy(now, rc, member.name());
      if (forMember == null) {
        continue;
      }
      if (!renewable(forMember) || (first != null && !sameSigner(first, forMember))) {
        return null;
      }
      first = first == null ? forMember : first;
      signing++;
      own = member.signers() != null && member.signers().containsKey(rc.name());
    }
    // One member with a signer of its own: renewed on that member, as when there are more.
    return signing == 1 && own ? null : first;
  }

  /**
   * The configuration as {@code member} signs it, when the member signs with a PEM signer or a key
   * in a token that no other member uses (renewed on that member alone); else null, and why said
   * once in the log: a keystore, or a signer some members share while others have their own, is not
   * renewed (renew it by hand, or give each member its own).
   */
  private RevocationConfiguration ownSigner(
      ClusterConfig now, RevocationConfiguration rc, String member) {
    RevocationConfiguration forMember = asSignedBy(now, rc, member);
    if (forMember == null) {
      return null;
    }
    String why = null;
    if (!renewable(forMember)) {
      why = "signs with a PKCS#12 keystore, which renewal does not renew";
    } else if (forMember.signingToken() != null && forMember.signingCertificate() != null) {
      why =
          "signs with a key in a token and its certificate in a file; renewal renews a member's"
              + " token key whose certificate is in the token (leave the certificate out)";
    } else {
      for (var other : now.members()) {
        RevocationConfiguration theirs =
            other.name().equals(member) ? null : asSignedBy(now, rc, other.name());
        if (theirs != null && sameSigner(theirs, forMember)) {
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
          s.meters.add(
              Gauge.builder(
                      "ocsp.signer.renewal.next.attempt",
                      s,
                      st -> st.nextAttempt == null ? Double.NaN : st.nextAttempt.getEpochSecond())
                  .description("When the signer of the configuration is next renewed (Unix time)")
                  .baseUnit("seconds")
                  .tag("configuration", name)
                  .tag("member", target.tag())
                  .register(registry));
          s.meters.add(
              Gauge.builder("ocsp.signer.renewal.failures", s, st -> st.failures.get())
                  .description("Renewals of the configuration's signer failed in a row")
                  .tag("configuration", name)
                  .tag("member", target.tag())
                  .register(registry));
          for (String result :
              new String[] {"issued", "pending", "try_later", "rejected", "failed"}) {
            s.meters.add(counter(target, result));
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
    Unfinished unfinished = state.unfinished;
    if (unfinished != null) {
      try {
        unfinished.finish();
        state.unfinished = null;
        LOG.info(
            "signer renewal for {}: the renewed key in force has now taken over its label in the"
                + " token",
            target.said());
      } catch (SignerException | RuntimeException e) {
        LOG.warn(
            "signer renewal for {}: the renewed key in force still has not taken over its label"
                + " in the token: {}",
            target.said(),
            e.getMessage());
      }
      return;
    }
    Pending stale = state.pending;
    if (stale != null && !stale.rc().equals(rc)) {
      state.pending = null;
      stale.discard().run(); // the configuration changed while the CA worked: asked afresh
    }
    X509CertificateHolder current;
    try {
      current =
          rc.signingCertificate() != null
              ? Pem.readCertificate(rc.signingCertificate())
              : ResponseSigner.loadToken(
                      rc.signingToken(),
                      null,
                      Pem.readCertificate(rc.caCertificate()),
                      rc.responderId() == RevocationConfiguration.ResponderIdType.BY_NAME)
                  .certificate();
    } catch (IOException | SignerException e) {
      LOG.warn(
          "signer renewal for {}: cannot read the signer in force ({}): {}",
          target.said(),
          rc.signingCertificate() != null ? rc.signingCertificate() : "in the token",
          e.getMessage());
      return;
    }
    Instant due = due(current, rc.renewal());
    Instant at = due.isAfter(state.notBefore) ? due : state.notBefore;
    state.nextAttempt = at;
    if (clock.instant().isBefore(due)) {
      state.failures.set(0); // not due (renewed by hand, say): nothing is failing
      Pending waiting = state.pending;
      if (waiting != null) {
        state.pending = null;
        waiting.discard().run(); // renewed meanwhile: the request the CA holds is not needed
      }
      return;
    }
    if (clock.instant().isBefore(at)) {
      return;
    }
    Pending waiting = state.pending;
    if (waiting != null) {
      try {
        ask(target, state, waiting);
      } catch (RuntimeException e) {
        failed(target, state, "failed", e.toString(), null);
      }
      return;
    }
    try {
      if (rc.signingToken() != null) {
        attemptInToken(now, target, current, state);
      } else {
        attempt(now, target, current, state);
      }
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
    enrol(
        target,
        state,
        written.request(),
        () -> discard(written),
        pem -> issued(target, current, state, written, pem));
  }

  /**
   * Runs the helper on {@code request}: what it issued goes to {@code issued}; otherwise the new
   * key is thrown away ({@code discard}) and the failure counted, the old signer staying in force.
   */
  private void enrol(
      Target target,
      State state,
      Path request,
      Runnable discard,
      java.util.function.Consumer<String> issued) {
    ask(target, state, new Pending(target.rc(), request, discard, issued, null));
  }

  /** Submits the request, or polls the CA about it when it gave a cookie. */
  private void ask(Target target, State state, Pending p) {
    state.pending = null;
    boolean submitted = p.cookie() == null;
    RevocationConfiguration rc = target.rc();
    Helper.Result result;
    try {
      String csr = Files.readString(p.request());
      result =
          p.cookie() == null
              ? Helper.submit(rc.renewal().helperCommand(), csr, rc.name(), HELPER_TIMEOUT)
              : Helper.poll(
                  rc.renewal().helperCommand(), csr, p.cookie(), rc.name(), HELPER_TIMEOUT);
    } catch (IOException e) {
      p.discard().run();
      failed(target, state, "failed", "the helper could not run: " + e.getMessage(), null);
      return;
    }
    switch (result.kind()) {
      case ISSUED -> p.issued().accept(result.output());
      case TRY_LATER -> {
        if (p.cookie() != null && (result.cookie() == null || result.delay() != null)) {
          // Polled, and the CA cannot say now (unreachable, or later): the request stays with it.
          pending(
              target,
              state,
              result.cookie() == null ? p : p.withCookie(result.cookie()),
              result,
              false);
        } else if (result.cookie() != null) {
          pending(target, state, p.withCookie(result.cookie()), result, submitted);
        } else {
          p.discard().run();
          failed(
              target,
              state,
              "try_later",
              "the helper says to try again later: " + result.said(),
              result.delay());
        }
      }
      default -> {
        p.discard().run();
        failed(
            target, state, "rejected", "the helper rejected the request: " + result.said(), null);
      }
    }
  }

  /**
   * The CA is working on the request: it is kept, with its new key, and the CA is asked about it
   * again after its wait (or {@code retry}). Not a failure: a CA that approves by hand takes time.
   */
  private void pending(
      Target target, State state, Pending p, Helper.Result result, boolean submitted) {
    state.pending = p;
    Duration wait = result.delay() != null ? result.delay() : target.rc().renewal().retry();
    state.notBefore = clock.instant().plus(wait);
    state.nextAttempt = state.notBefore;
    if (submitted) {
      counter(target, "pending").increment(); // once per request the CA took, not per poll
    }
    LOG.info(
        "signer renewal for {}: the CA is working on the request (cookie \"{}\"); asking it"
            + " again at {}",
        target.said(),
        p.cookie(),
        state.notBefore);
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
      checkRenewed(rc, current, signer);
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
      succeeded(target, state, signer, where);
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

  /** The checks a renewed signer passes beyond a member's own: the profile, and the dates. */
  private void checkRenewed(
      RevocationConfiguration rc, X509CertificateHolder current, ResponseSigner signer)
      throws SignerException {
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
  }

  private void succeeded(Target target, State state, ResponseSigner signer, String where) {
    state.failures.set(0);
    state.notBefore = Instant.MIN;
    counter(target, "issued").increment();
    LOG.info(
        "signer renewal for {}: \"{}\" (valid until {}) in force {}",
        target.said(),
        signer.certificate().getSubject(),
        signer.certificate().getNotAfter().toInstant(),
        where);
  }

  /**
   * A key in a token: the new key is made in the same token and the request signed there. A shared
   * signer's new key gets a label of its own ({@code keyLabel-<time>}) with the CA's certificate
   * beside it, and one revision points every member at it; the old key stays in the token for the
   * PKI team to destroy. A member's own is put in force on it first, then takes over the label in
   * the token (the old key and certificate under that label are destroyed), so the configuration
   * and a restart find the new one.
   */
  private void attemptInToken(
      ClusterConfig now, Target target, X509CertificateHolder current, State state) {
    RevocationConfiguration rc = target.rc();
    Renewal r = rc.renewal();
    String prefix =
        rc.name()
            + (target.member() == null ? "" : "-" + target.member())
            + "-"
            + clock.instant().getEpochSecond();
    TokenRequest request;
    try {
      if (target.member() != null) {
        TokenRequest.clearLeftover(rc.signingToken());
      }
      request =
          TokenRequest.write(
              rc.signingToken(),
              r.keyType(),
              r.directory(),
              prefix,
              target.member() == null ? now.cluster().name() : target.member(),
              rc.name(),
              now.cluster().name());
    } catch (IOException | SignerException e) {
      failed(
          target, state, "failed", "cannot make the request in the token: " + e.getMessage(), null);
      return;
    }
    LOG.info(
        "signer renewal for {}: the signer \"{}\" expires {}; a new key is made in the token;"
            + " asking the helper for its certificate",
        target.said(),
        current.getSubject(),
        current.getNotAfter().toInstant());
    enrol(
        target,
        state,
        request.request(),
        () -> discard(request),
        pem -> issuedInToken(target, current, state, request, pem));
  }

  private void issuedInToken(
      Target target, X509CertificateHolder current, State state, TokenRequest request, String pem) {
    RevocationConfiguration rc = target.rc();
    String stage = "what the helper issued was refused: ";
    boolean keep = false; // the new key is in force on the member, or destroyed already
    boolean oldInForce = true;
    try {
      X509CertificateHolder issued = Pem.parseCertificate(pem, "the helper's output");
      // Kept beside the request, for the record: the token holds it too.
      Files.writeString(
          request
              .request()
              .resolveSibling(
                  request.request().getFileName().toString().replaceAll("\\.csr$", ".pem")),
          pem,
          StandardCharsets.US_ASCII);
      ResponseSigner signer =
          request.signer(
              issued,
              Pem.readCertificate(rc.caCertificate()),
              rc.responderId() == RevocationConfiguration.ResponderIdType.BY_NAME);
      checkRenewed(rc, current, signer);
      String where;
      if (target.member() == null) {
        String label = rc.signingToken().keyLabel() + "-" + clock.instant().getEpochSecond();
        request.install(label, issued);
        SigningToken next =
            new SigningToken(
                rc.signingToken().library(),
                rc.signingToken().slot(),
                rc.signingToken().slotListIndex(),
                label,
                rc.signingToken().pinFile(),
                rc.signingToken().sessions());
        Outcome outcome = assign.assign(rc.name(), new SignerFiles(null, null, null, null, next));
        if (!outcome.applied()) {
          keep = true;
          request.remove(label);
          throw new SignerException("the revision was refused: " + outcome.reason());
        }
        where =
            "on every member, revision "
                + outcome.revision()
                + " (key \""
                + label
                + "\" in the token; the old key \""
                + rc.signingToken().keyLabel()
                + "\" stays there until you destroy it)";
      } else {
        // Kept in the token first, under a label of its own: a process stopped from here on
        // leaves the old key in force, or (once the old one is destroyed) the new one to be
        // found under the label at the next start.
        String label = rc.signingToken().keyLabel();
        request.install(TokenRequest.renewing(label), issued);
        try {
          local.putInForce(target.member(), rc, signer);
        } catch (Exception e) {
          throw new SignerException(
              "member " + target.member() + " did not take it: " + e.getMessage());
        }
        keep = true;
        oldInForce = false;
        stage =
            "the new signer is in force on member "
                + target.member()
                + ", but it did not take over the label \""
                + label
                + "\" in the token (it is there as \""
                + TokenRequest.renewing(label)
                + "\"; taken over at the next check; a restart before then signs with the old key): ";
        try {
          request.takeOver(label);
        } catch (SignerException | RuntimeException e) {
          state.unfinished = () -> request.takeOver(label);
          throw e;
        }
        where =
            "on member "
                + target.member()
                + " (the token's key \""
                + rc.signingToken().keyLabel()
                + "\" is the new one; the old one is destroyed)";
      }
      Files.deleteIfExists(request.request());
      succeeded(target, state, signer, where);
    } catch (IOException | SignerException | RuntimeException e) {
      if (!keep) {
        discard(request);
      }
      failed(target, state, "failed", stage + e.getMessage(), null, oldInForce);
    }
  }

  /** A key in a token that never became a signer is destroyed, and its request removed. */
  private static void discard(TokenRequest request) {
    try {
      Files.deleteIfExists(request.request());
      request.discard();
    } catch (IOException | SignerException e) {
      LOG.warn("signer renewal: an unused key is left in the token: {}", e.getMessage());
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
      local.putInForce(target.member(), rc, null);
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
    failed(target, state, result, why, helperDelay, true);
  }

  private void failed(
      Target target,
      State state,
      String result,
      String why,
      Duration helperDelay,
      boolean oldInForce) {
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
        "signer renewal for {} ({} in a row): {}; {}next attempt {}",
        target.said(),
        failures,
        why,
        oldInForce ? "the signer in force stays, " : "",
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
    // A request the CA is still working on is not resumed by the next start: its key goes.
    states
        .values()
        .forEach(
            st -> {
              Pending waiting = st.pending;
              if (waiting != null) {
                st.pending = null;
                waiting.discard().run();
              }
            });
  }
}
