package org.ocspcluster.responder;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.ResponderSettings;
import org.ocspcluster.config.RevocationConfiguration;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.http.OcspHttpServer;
import org.ocspcluster.responder.ocsp.OcspService;
import org.ocspcluster.responder.ocsp.ResponseWindows;
import org.ocspcluster.responder.ocsp.ServedCa;
import org.ocspcluster.responder.revocation.CrlRevocationSource;
import org.ocspcluster.responder.revocation.IndexRevocationSource;
import org.ocspcluster.responder.revocation.RevocationSource;
import org.ocspcluster.responder.signing.ResponseSigner;
import org.ocspcluster.responder.signing.SignerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One responder member of the cluster: loads every revocation configuration (CA, signer, CRL),
 * keeps the CRLs refreshed, and answers OCSP over HTTP at the member's address.
 */
public final class ResponderMember implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResponderMember.class);

  private final String name;
  private final OcspHttpServer server;
  private final ExecutorService signing;
  private final ScheduledExecutorService refresher;
  private final ResponderMetrics metrics;
  private final MeterRegistry registry;
  private final AtomicReference<Serving> serving;
  private final ConfigurationGauges gauges;

  /** The member's own gauges; they leave the registry when the member stops. */
  private final List<io.micrometer.core.instrument.Meter> memberMeters =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * What the member answers with: its revocation configurations, the service built on them, and
   * their refresh tasks. A new configuration is prepared beside the one in force and swapped in
   * whole.
   */
  public static final class Serving {
    private final List<ServedCa> served;
    private final OcspService service;
    private final Map<String, Long> refreshMillis;
    private final List<ScheduledFuture<?>> refreshes = new ArrayList<>();

    /** Configurations whose signing token could not be opened: how to try again. */
    private final Map<String, SignerLoader> tokenRetries;

    private Serving(
        List<ServedCa> served,
        OcspService service,
        Map<String, Long> refreshMillis,
        Map<String, SignerLoader> tokenRetries) {
      this.served = served;
      this.service = service;
      this.refreshMillis = refreshMillis;
      this.tokenRetries = tokenRetries;
    }

    public List<String> configurations() {
      return served.stream().map(ServedCa::name).toList();
    }
  }

  private ResponderMember(
      String name,
      OcspHttpServer server,
      ExecutorService signing,
      ScheduledExecutorService refresher,
      ResponderMetrics metrics,
      MeterRegistry registry,
      AtomicReference<Serving> serving) {
    this.serving = serving;
    this.name = name;
    this.server = server;
    this.signing = signing;
    this.refresher = refresher;
    this.metrics = metrics;
    this.registry = registry;
    this.gauges =
        new ConfigurationGauges(
            registry,
            name,
            () -> {
              Serving now = serving.get();
              return now == null ? List.of() : now.served;
            });
  }

  /**
   * Starts member {@code memberName} of {@code config}, listening on {@code listen} (normally the
   * member's configured address; tests pass port 0).
   */
  public static ResponderMember start(
      ClusterConfig config, String memberName, InetSocketAddress listen, MeterRegistry registry)
      throws ResponderException {
    Member member =
        config
            .member(memberName)
            .orElseThrow(
                () ->
                    new ResponderException(
                        "no member \""
                            + memberName
                            + "\" in the configuration; members are "
                            + config.members().stream().map(Member::name).toList()));
    int cores = Runtime.getRuntime().availableProcessors();
    ScheduledExecutorService refresher =
        Executors.newSingleThreadScheduledExecutor(daemon(memberName + "-crl-refresh"));
    ExecutorService signing = boundedSigningExecutor(cores, memberName);
    ResponderMetrics metrics = new ResponderMetrics(registry, member.name());
    Serving first;
    try {
      first = prepare(config, member.name(), signing, metrics);
    } catch (ResponderException e) {
      refresher.shutdownNow();
      signing.shutdownNow();
      throw e;
    }
    io.netty.handler.ssl.SslContext tls;
    try {
      tls = serverTls(config.responder().tls());
    } catch (ResponderException e) {
      refresher.shutdownNow();
      signing.shutdownNow();
      throw e;
    }
    AtomicReference<Serving> current = new AtomicReference<>();
    try {
      OcspHttpServer server =
          OcspHttpServer.start(
              listen,
              () -> current.get().service,
              metrics,
              cores,
              config.responder().acceptProxyProtocol(),
              new OcspHttpServer.Limits(
                  config.responder().maxConnections(),
                  config.responder().maxConnectionsPerClient(),
                  config.responder().requestTimeout()),
              tls);
      ResponderMember started =
          new ResponderMember(
              member.name(), server, signing, refresher, metrics, registry, current);
      started.memberMeters.add(
          io.micrometer.core.instrument.FunctionCounter.builder(
                  "ocsp.connections.refused", server, OcspHttpServer::refusedConnections)
              .description(
                  "Connections refused past responder.maxConnections or maxConnectionsPerClient (answered 503)")
              .tag("member", member.name())
              .register(registry));
      started.memberMeters.add(
          Gauge.builder("ocsp.connections.open", server, OcspHttpServer::openConnections)
              .description("Client connections open on the member now")
              .tag("member", member.name())
              .strongReference(true)
              .register(registry));
      started.commit(first);
      LOG.info(
          "member {} ready: answering OCSP on http://{} for {}",
          member.name(),
          hostPort(server.localAddress()),
          first.configurations());
      return started;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      signing.shutdownNow();
      refresher.shutdownNow();
      throw new ResponderException("interrupted while starting");
    } catch (Exception e) { // Netty throws the system's bind error unchecked
      signing.shutdownNow();
      refresher.shutdownNow();
      throw new ResponderException(
          org.ocspcluster.responder.http.ListenErrors.describe(
              "member " + member.name(), listen, e, "members[].address in the configuration"));
    }
  }

  /** The TLS context for a listener with {@code tls}; null without. */
  public static io.netty.handler.ssl.SslContext serverTls(org.ocspcluster.config.TlsFiles tls)
      throws ResponderException {
    if (tls == null) {
      return null;
    }
    try {
      return io.netty.handler.ssl.SslContextBuilder.forServer(
              tls.certificate().toFile(), tls.key().toFile())
          .build();
    } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
      throw new ResponderException(
          "TLS credential "
              + tls.certificate()
              + " / "
              + tls.key()
              + " cannot be used: "
              + e.getMessage()
              + " (the key must be PEM PKCS#8, the certificate PEM)");
    }
  }

  /**
   * Loads everything {@code config} needs to answer (CAs, signers, first revocation data) without
   * touching what is in force; throws, naming the configuration and the reason, if anything fails.
   */
  public Serving prepare(ClusterConfig config) throws ResponderException {
    return prepare(config, name, signing, metrics);
  }

  private static Serving prepare(
      ClusterConfig config, String member, ExecutorService signing, ResponderMetrics metrics)
      throws ResponderException {
    List<ServedCa> served = new ArrayList<>();
    Map<String, Long> refresh = new java.util.HashMap<>();
    // The member's own signing credentials where it has them (manual assignment), else the
    // configuration's.
    Map<String, SignerLoader> tokenRetries = new java.util.HashMap<>();
    for (RevocationConfiguration rc : config.revocationConfigurationsFor(member)) {
      served.add(load(rc, tokenRetries));
      refresh.put(rc.name(), rc.refreshInterval().toMillis());
    }
    OcspService service =
        new OcspService(
            served,
            signing,
            Clock.systemUTC(),
            new OcspService.Settings(
                config.responder().unknownIssuer() == ResponderSettings.UnknownIssuer.UNKNOWN,
                config.responder().cacheEntries()),
            metrics);
    return new Serving(served, service, refresh, tokenRetries);
  }

  private boolean pendingGauge;

  /**
   * Where tokens are opened again: a thread of its own, made when a configuration signs in a token,
   * so that a token that hangs on login never holds up the refresh of revocation data.
   */
  private ScheduledExecutorService tokens;

  private boolean closed;

  private synchronized ScheduledExecutorService tokens() {
    if (closed) {
      throw new java.util.concurrent.RejectedExecutionException("member " + name + " is stopped");
    }
    if (tokens == null) {
      tokens = Executors.newSingleThreadScheduledExecutor(daemon(name + "-token"));
    }
    return tokens;
  }

  /** Puts a prepared configuration in force: requests from now on are answered by it. */
  public void commit(Serving next) {
    for (ServedCa ca : next.served) {
      metrics.declare(ca.name());
      long every = next.refreshMillis.get(ca.name());
      next.refreshes.add(
          refresher.scheduleWithFixedDelay(
              () -> refresh(ca, next.service, metrics), every, every, TimeUnit.MILLISECONDS));
    }
    for (ServedCa ca : next.served) {
      SignerLoader reopen = next.tokenRetries.get(ca.name());
      if (reopen != null) {
        // While this configuration's token cannot sign (it did not open, or failed while
        // signing), it is opened again every so often; the member recovers by itself.
        next.refreshes.add(
            tokens()
                .scheduleWithFixedDelay(
                    () -> retryToken(ca, reopen, next.service),
                    TOKEN_RETRY_MILLIS,
                    TOKEN_RETRY_MILLIS,
                    TimeUnit.MILLISECONDS));
      }
    }
    Serving previous = serving.getAndSet(next);
    gauges.follow(next.configurations());
    if (!pendingGauge) {
      pendingGauge = true;
      memberMeters.add(
          Gauge.builder("ocsp.cache.resign.pending", serving, s -> s.get().service.resignsPending())
              .description("Pre-produced responses being re-signed in the background")
              .tag("member", name)
              .strongReference(true)
              .register(registry));
    }
    if (previous != null && previous != next) {
      previous.refreshes.forEach(f -> f.cancel(false));
    }
  }

  public static ResponderMember start(
      ClusterConfig config, String memberName, MeterRegistry registry) throws ResponderException {
    Member member =
        config
            .member(memberName)
            .orElseThrow(
                () ->
                    new ResponderException(
                        "no member \"" + memberName + "\" in the configuration"));
    return start(
        config,
        memberName,
        new InetSocketAddress(member.address().host(), member.address().port()),
        registry);
  }

  /** Loads a configuration's signer; may fail, as a token that is not there yet does. */
  @FunctionalInterface
  interface SignerLoader {
    ResponseSigner load() throws SignerException;
  }

  /** How often a signing token that could not be opened is tried again. */
  static final long TOKEN_RETRY_MILLIS = Long.getLong("ocsp.cluster.token.retry.millis", 10_000);

  /**
   * Opens the token again when the configuration's signer is unavailable; the new signer is put in
   * force unless another was assigned meanwhile (an operator's: never overwritten). Never throws:
   * an exception would end the periodic task.
   */
  private void retryToken(ServedCa ca, SignerLoader retry, OcspService service) {
    ResponseSigner waiting = ca.signer();
    if (waiting.unavailableReason() == null) {
      return;
    }
    try {
      ResponseSigner signer = retry.load();
      signer.selfTest();
      if (!ca.replace(waiting, signer)) {
        return;
      }
      service.resignAll(ca);
      LOG.info(
          "revocation configuration \"{}\": the signing token opens again; signing with \"{}\"",
          ca.name(),
          signer.certificate().getSubject());
    } catch (SignerException | RuntimeException e) {
      if (!java.util.Objects.equals(e.getMessage(), waiting.unavailableReason())
          && ca.replace(
              waiting, ResponseSigner.unavailable(waiting.certificate(), e.getMessage()))) {
        LOG.warn(
            "revocation configuration \"{}\": the signing token still cannot be used: {}",
            ca.name(),
            e.getMessage());
      }
    }
  }

  private static ServedCa load(RevocationConfiguration rc, Map<String, SignerLoader> tokenRetries)
      throws ResponderException {
    X509CertificateHolder ca;
    try {
      ca = Pem.readCertificate(rc.caCertificate());
    } catch (IOException e) {
      throw new ResponderException(
          "revocation configuration \""
              + rc.name()
              + "\": cannot read the CA certificate "
              + rc.caCertificate()
              + ": "
              + e.getMessage());
    }
    ResponseSigner signer;
    try {
      signer = loadSigner(rc, ca);
    } catch (SignerException e) {
      if (rc.signingToken() == null) {
        throw new ResponderException(
            "revocation configuration \"" + rc.name() + "\": " + e.getMessage());
      }
      // A token can come back (PIN fixed, HSM reachable again): answer tryLater meanwhile.
      LOG.warn(
          "revocation configuration \"{}\": the signing token cannot be used: {}; answering"
              + " tryLater and trying again every {} ms{}",
          rc.name(),
          e.getMessage(),
          TOKEN_RETRY_MILLIS,
          e instanceof org.ocspcluster.responder.signing.PinRefused
              ? " once the PIN file holds another PIN"
              : "");
      signer = ResponseSigner.unavailable(certificateOrNull(rc), e.getMessage());
    }
    if (rc.signingToken() != null) {
      tokenRetries.put(rc.name(), () -> loadSigner(rc, ca));
    }
    RevocationSource source =
        rc.opensslIndex() != null
            ? new IndexRevocationSource(
                rc.name(),
                rc.opensslIndex(),
                rc.extendedRevoke(),
                rc.refreshInterval(),
                Clock.systemUTC())
            : new CrlRevocationSource(rc.name(), rc.crl(), rc.deltaCrl(), ca);
    source.refresh();
    Duration validity = rc.effectiveResponseValidity();
    return new ServedCa(
        rc.name(),
        ca,
        source,
        signer,
        validity == null
            ? ResponseWindows.UNTIL_NEXT_UPDATE
            : new ResponseWindows(
                validity, rc.profile() == RevocationConfiguration.Profile.CABFORUM));
  }

  private static X509CertificateHolder certificateOrNull(RevocationConfiguration rc) {
    try {
      return rc.signingCertificate() == null ? null : Pem.readCertificate(rc.signingCertificate());
    } catch (IOException e) {
      return null;
    }
  }

  private static ResponseSigner loadSigner(RevocationConfiguration rc, X509CertificateHolder ca)
      throws SignerException {
    boolean byName = rc.responderId() == RevocationConfiguration.ResponderIdType.BY_NAME;
    if (rc.signingToken() == null && rc.signingKeystore() == null && rc.signingKey() != null) {
      // A PEM signer is read with no renewal swapping its files (SignerSwap), and a swap a stopped
      // process left is finished first.
      ResponseSigner pem =
          org.ocspcluster.responder.signing.SignerSwap.reading(
              () -> {
                try {
                  String done =
                      org.ocspcluster.responder.signing.SignerSwap.finishInterrupted(
                          rc.signingCertificate(), rc.signingKey());
                  if (done != null) {
                    LOG.warn("revocation configuration \"{}\": {}", rc.name(), done);
                  }
                } catch (IOException e) {
                  throw new SignerException(
                      "cannot finish an interrupted signer renewal beside "
                          + rc.signingCertificate()
                          + ": "
                          + e.getMessage()
                          + " (move or remove the .next files)");
                }
                return ResponseSigner.load(rc.signingCertificate(), rc.signingKey(), ca, byName);
              });
      return checkedForProfile(rc, pem);
    }
    ResponseSigner signer =
        rc.signingToken() != null
            ? ResponseSigner.loadToken(rc.signingToken(), rc.signingCertificate(), ca, byName)
            : rc.signingKeystore() != null
                ? ResponseSigner.loadPkcs12(
                    rc.signingKeystore(), rc.signingKeystorePasswordFile(), ca, byName)
                : ResponseSigner.load(rc.signingCertificate(), rc.signingKey(), ca, byName);
    return checkedForProfile(rc, signer);
  }

  private static ResponseSigner checkedForProfile(RevocationConfiguration rc, ResponseSigner signer)
      throws SignerException {
    if (rc.profile() == RevocationConfiguration.Profile.CABFORUM) {
      String problem = signer.baselineRequirementsProblem();
      if (problem != null) {
        throw new SignerException(problem);
      }
    }
    return signer;
  }

  /**
   * "Assign Signing Certificate": reads the signing credential named by {@code rc} again (the
   * operator replaced the files, or the configuration names new ones) and, once it passes every
   * check, puts it in force without a restart; pre-produced responses are re-signed with it.
   *
   * @return the new signer's subject and expiry, in words
   */
  public String assignSigner(RevocationConfiguration rc) throws ResponderException {
    ServedCa ca = served(rc.name());
    ResponseSigner signer;
    try {
      signer = loadSigner(rc, ca.ca());
    } catch (SignerException e) {
      throw new ResponderException(
          "revocation configuration \""
              + rc.name()
              + "\": new signer refused, the old one "
              + "stays in force: "
              + e.getMessage());
    }
    return putInForce(ca, signer);
  }

  /**
   * Puts a signer already loaded and checked in force for {@code configuration} (a renewed key in a
   * token, before the token labels it), as {@link #assignSigner(RevocationConfiguration)} does.
   */
  public String assignSigner(String configuration, ResponseSigner signer)
      throws ResponderException {
    return putInForce(served(configuration), signer);
  }

  private ServedCa served(String configuration) throws ResponderException {
    return serving.get().served.stream()
        .filter(c -> c.name().equals(configuration))
        .findFirst()
        .orElseThrow(
            () ->
                new ResponderException(
                    "member " + name + " serves no configuration \"" + configuration + "\""));
  }

  private String putInForce(ServedCa ca, ResponseSigner signer) {
    Serving now = serving.get();
    ca.assign(signer);
    now.service.resignAll(ca);
    String said =
        "\""
            + signer.certificate().getSubject()
            + "\", valid until "
            + signer.certificate().getNotAfter().toInstant();
    LOG.info("member {}: revocation configuration \"{}\" now signs with {}", name, ca.name(), said);
    return said;
  }

  /**
   * Reloads one configuration's revocation data (on the refresher thread, never an event loop);
   * when it changed, its pre-produced responses are re-signed in the background.
   */
  private static String refresh(ServedCa ca, OcspService service, ResponderMetrics metrics) {
    long before = ca.source().generation();
    boolean taken = ca.source().refresh();
    String result =
        !taken ? "refused" : ca.source().generation() != before ? "loaded" : "unchanged";
    metrics.refreshed(ca.name(), result);
    if ("loaded".equals(result)) {
      service.resignAll(ca);
    }
    return result;
  }

  /**
   * Refresh Revocation Data now, for every configuration; returns each configuration's result
   * (loaded, unchanged or refused). Runs on the refresher thread and waits for it.
   */
  public Map<String, String> refreshNow() {
    try {
      return refresher
          .submit(
              () -> {
                Serving now = serving.get();
                Map<String, String> results = new java.util.LinkedHashMap<>();
                for (ServedCa ca : now.served) {
                  results.put(ca.name(), refresh(ca, now.service, metrics));
                }
                return results;
              })
          .get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("refresh did not finish: " + e, e);
    }
  }

  /**
   * Signing is CPU-bound: one thread per core, and a bounded queue so that a flood of nonce
   * requests is answered tryLater-fast by back-pressure rather than growing memory without end.
   */
  private static ExecutorService boundedSigningExecutor(int cores, String member) {
    return new java.util.concurrent.ThreadPoolExecutor(
        cores,
        cores,
        0,
        TimeUnit.SECONDS,
        new java.util.concurrent.ArrayBlockingQueue<>(10_000),
        daemon(member + "-signing"),
        new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
  }

  public String name() {
    return name;
  }

  /**
   * Per revocation configuration: its status, the data's nextUpdate and the signer's expiry, for
   * the status page.
   */
  public Map<String, Map<String, String>> details() {
    Map<String, String> status = status();
    Map<String, Map<String, String>> details = new java.util.LinkedHashMap<>();
    for (ServedCa ca : serving.get().served) {
      Map<String, String> d = new java.util.LinkedHashMap<>();
      d.put("status", status.get(ca.name()));
      java.time.Instant next = ca.source().nextUpdate();
      d.put("nextUpdate", next == null ? null : next.toString());
      d.put(
          "signerNotAfter",
          ca.signer().certificate() == null
              ? null
              : ca.signer().certificate().getNotAfter().toInstant().toString());
      details.put(ca.name(), d);
    }
    return details;
  }

  /**
   * Each revocation configuration's state, as the CA console shows it: {@code ok}, {@code
   * revocation data not yet retrieved}, {@code stale} (past nextUpdate), or {@code signer expired}.
   */
  public Map<String, String> status() {
    Map<String, String> status = new java.util.LinkedHashMap<>();
    java.time.Instant now = java.time.Instant.now();
    for (ServedCa ca : serving.get().served) {
      java.time.Instant next = ca.source().nextUpdate();
      String s;
      if (next == null) {
        s = "revocation data not yet retrieved";
      } else if (!now.isBefore(next)) {
        s = "stale (nextUpdate " + next + ")";
      } else if (ca.signer().unavailableReason() != null) {
        s = "signer unavailable: " + ca.signer().unavailableReason();
      } else if (!ca.signer().validAt(now)) {
        s = "signer expired";
      } else {
        s = "ok";
      }
      status.put(ca.name(), s);
    }
    return status;
  }

  public InetSocketAddress localAddress() {
    return server.localAddress();
  }

  @Override
  public void close() {
    gauges.close();
    memberMeters.forEach(registry::remove);
    server.close();
    signing.shutdownNow();
    refresher.shutdownNow();
    synchronized (this) {
      closed = true;
      if (tokens != null) {
        tokens.shutdownNow();
      }
    }
    LOG.info("member {} stopped", name);
  }

  static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
