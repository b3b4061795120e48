package org.ocspcluster.responder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.RevocationConfiguration;
import org.ocspcluster.responder.http.OcspHttpServer;
import org.ocspcluster.responder.ocsp.Answer;
import org.ocspcluster.responder.ocsp.OcspService;
import org.ocspcluster.responder.ocsp.Outcome;
import org.ocspcluster.responder.ocsp.ServedCa;
import org.ocspcluster.responder.pki.Pem;
import org.ocspcluster.responder.revocation.CrlRevocationSource;
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

  private ResponderMember(String name, OcspHttpServer server, ExecutorService signing,
      ScheduledExecutorService refresher) {
    this.name = name;
    this.server = server;
    this.signing = signing;
    this.refresher = refresher;
  }

  /**
   * Starts member {@code memberName} of {@code config}, listening on {@code listen} (normally the
   * member's configured address; tests pass port 0).
   */
  public static ResponderMember start(ClusterConfig config, String memberName, InetSocketAddress listen,
      MeterRegistry registry) throws ResponderException {
    Member member = config.member(memberName).orElseThrow(() -> new ResponderException(
        "no member \"" + memberName + "\" in the configuration; members are "
            + config.members().stream().map(Member::name).toList()));
    ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(daemon(memberName + "-crl-refresh"));
    List<ServedCa> served = new ArrayList<>();
    try {
      for (RevocationConfiguration rc : config.revocationConfigurations()) {
        served.add(load(rc, refresher));
      }
    } catch (ResponderException e) {
      refresher.shutdownNow();
      throw e;
    }
    int cores = Runtime.getRuntime().availableProcessors();
    ExecutorService signing = Executors.newFixedThreadPool(cores, daemon(memberName + "-signing"));
    Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);
    for (Outcome outcome : Outcome.values()) {
      counters.put(outcome, Counter.builder("ocsp.responses")
          .description("OCSP responses sent, by outcome")
          .tag("member", member.name())
          .tag("status", outcome.label())
          .register(registry));
    }
    OcspService service = new OcspService(served, signing, Clock.systemUTC());
    try {
      OcspHttpServer server = OcspHttpServer.start(listen, service,
          (Answer a) -> counters.get(a.outcome()).increment(), Math.max(1, cores / 2));
      LOG.info("member {} ready: answering OCSP on http://{} for {}", member.name(),
          hostPort(server.localAddress()), served.stream().map(ServedCa::name).toList());
      return new ResponderMember(member.name(), server, signing, refresher);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      signing.shutdownNow();
      refresher.shutdownNow();
      throw new ResponderException("interrupted while starting");
    } catch (RuntimeException e) {
      signing.shutdownNow();
      refresher.shutdownNow();
      throw new ResponderException("cannot listen on " + hostPort(listen) + ": " + e.getMessage()
          + " (is another process using the port? change members[].address in the configuration)");
    }
  }

  public static ResponderMember start(ClusterConfig config, String memberName, MeterRegistry registry)
      throws ResponderException {
    Member member = config.member(memberName).orElseThrow(() -> new ResponderException(
        "no member \"" + memberName + "\" in the configuration"));
    return start(config, memberName,
        new InetSocketAddress(member.address().host(), member.address().port()), registry);
  }

  private static ServedCa load(RevocationConfiguration rc, ScheduledExecutorService refresher)
      throws ResponderException {
    X509CertificateHolder ca;
    try {
      ca = Pem.readCertificate(rc.caCertificate());
    } catch (IOException e) {
      throw new ResponderException("revocation configuration \"" + rc.name() + "\": cannot read the CA certificate "
          + rc.caCertificate() + ": " + e.getMessage());
    }
    ResponseSigner signer;
    try {
      signer = ResponseSigner.load(rc.signingCertificate(), rc.signingKey(), ca);
    } catch (SignerException e) {
      throw new ResponderException("revocation configuration \"" + rc.name() + "\": " + e.getMessage());
    }
    CrlRevocationSource source = new CrlRevocationSource(rc.name(), rc.crl(), ca);
    source.refresh();
    long every = rc.refreshInterval().toMillis();
    refresher.scheduleWithFixedDelay(source::refresh, every, every, TimeUnit.MILLISECONDS);
    return new ServedCa(rc.name(), ca, source, signer);
  }

  public String name() {
    return name;
  }

  public InetSocketAddress localAddress() {
    return server.localAddress();
  }

  @Override
  public void close() {
    server.close();
    signing.shutdownNow();
    refresher.shutdownNow();
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
