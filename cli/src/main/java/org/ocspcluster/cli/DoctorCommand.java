package org.ocspcluster.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.FilteringMode;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.config.Probe;
import org.ocspcluster.config.RevocationConfiguration;
import org.ocspcluster.health.probe.OcspProbe;
import org.ocspcluster.health.probe.ProbeResult;
import org.ocspcluster.pki.Pem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Walks the chain a relying party walks for one certificate, and says at each step whether it holds
 * and, when it does not, what to fix: the AIA's OCSP URI, DNS, the cluster FQDN and IP, a port
 * rule, the revocation configuration for the issuer, an answer through the cluster, and one from
 * each member.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description =
        "Checks, step by step, that a certificate's OCSP URI leads to verified answers from the cluster "
            + "and from each member, and prints the fix for each step that fails.")
final class DoctorCommand implements Callable<Integer> {
  @Parameters(paramLabel = "CERT.pem", description = "a certificate the cluster should answer for")
  Path certificate;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "the cluster.yaml (default: ./cluster-data/cluster.yaml " + "when it exists)")
  Path config;

  @Spec CommandSpec spec;

  private int failures;
  private PrintWriter out;

  private void pass(String step, String detail) {
    out.printf("PASS  %-22s %s%n", step, detail);
  }

  private void fail(String step, String detail, String fix) {
    failures++;
    out.printf("FAIL  %-22s %s%n      fix: %s%n", step, detail, fix);
  }

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    X509CertificateHolder cert = Pem.readCertificate(certificate);
    pass(
        "certificate",
        cert.getSubject()
            + ", serial "
            + cert.getSerialNumber().toString(16)
            + ", issued by "
            + cert.getIssuer());

    Path file = config != null ? config : Path.of("cluster-data", "cluster.yaml");
    ClusterConfig cluster = null;
    if (config != null || file.toFile().isFile()) {
      cluster = Configs.load(file, spec.commandLine().getErr());
      if (cluster == null) {
        fail(
            "configuration",
            file + " is refused (see above)",
            "fix the file, then run doctor again");
        return done();
      }
      pass("configuration", file.toAbsolutePath().normalize().toString());
    }

    Optional<URI> uri = ocspUri(cert);
    if (uri.isEmpty()) {
      fail(
          "AIA OCSP URI",
          "the certificate names no OCSP responder",
          "the CA must put "
              + (cluster == null ? "http://FQDN:PORT/" : clusterUri(cluster, -1))
              + " in the AIA of the certificates it issues");
      return done();
    }
    URI ocsp = uri.get();
    int port =
        ocsp.getPort() > 0 ? ocsp.getPort() : "https".equalsIgnoreCase(ocsp.getScheme()) ? 443 : 80;
    pass("AIA OCSP URI", ocsp.toString());

    InetAddress[] resolved = null;
    boolean literal = isIpLiteral(ocsp.getHost());
    try {
      resolved = InetAddress.getAllByName(ocsp.getHost());
      pass(
          "DNS",
          literal
              ? ocsp.getHost() + " is an IP address: no DNS record needed"
              : ocsp.getHost()
                  + " -> "
                  + Arrays.stream(resolved).map(InetAddress::getHostAddress).toList());
    } catch (UnknownHostException e) {
      fail(
          "DNS",
          ocsp.getHost() + " does not resolve",
          "add an A/AAAA record for "
              + ocsp.getHost()
              + (cluster == null ? "" : " pointing to the cluster IP " + cluster.cluster().ip()));
      // Go on with what needs no name: the cluster's own address, and each member.
    }
    RevocationConfiguration served = null;
    if (cluster != null) {
      if (cluster.cluster().fqdn().equalsIgnoreCase(ocsp.getHost())) {
        pass("cluster FQDN", ocsp.getHost() + " is the cluster's name");
      } else if (literal) {
        fail(
            "cluster FQDN",
            "the URI names the address " + ocsp.getHost() + ", not the cluster's name",
            "have the CA issue certificates with "
                + clusterUri(cluster, port)
                + " (clients should only see the cluster's name)");
      } else {
        fail(
            "cluster FQDN",
            "the URI names " + ocsp.getHost() + ", the cluster is " + cluster.cluster().fqdn(),
            "set cluster.fqdn to "
                + ocsp.getHost()
                + ", or have the CA issue certificates with "
                + clusterUri(cluster, port));
      }
      List<String> ips = cluster.clusterIps();
      List<String> hits =
          resolved == null
              ? List.of()
              : Arrays.stream(resolved)
                  .map(InetAddress::getHostAddress)
                  .filter(ips::contains)
                  .toList();
      if (resolved == null) {
        out.printf(
            "skip  %-22s %s does not resolve; the cluster is asked at %s instead%n",
            "cluster IP", ocsp.getHost(), ips.get(0));
        ocsp =
            URI.create(ocsp.getScheme() + "://" + hostPort(ips.get(0), port) + ocsp.getRawPath());
      } else if (hits.isEmpty()) {
        fail(
            "cluster IP",
            ocsp.getHost() + " resolves to no cluster IP " + ips,
            literal
                ? "have the CA issue certificates with " + clusterUri(cluster, port)
                : "point the DNS record of " + ocsp.getHost() + " at " + ips.get(0));
      } else {
        pass("cluster IP", hits + " is a cluster IP");
      }
      Optional<PortRule> rule =
          cluster.portRules().stream()
              .filter(
                  r ->
                      r.coversTcp()
                          && r.ports().contains(port)
                          && r.filteringMode() != FilteringMode.DISABLED)
              .findFirst();
      if (rule.isPresent()) {
        pass("port rule", "rule " + rule.get().name() + " covers TCP port " + port);
      } else {
        fail(
            "port rule",
            "no enabled TCP port rule covers port " + port,
            "add a port rule with ports: "
                + port
                + " (or issue certificates with a port a rule covers)");
      }
      served =
          cluster.revocationConfigurations().stream()
              .filter(rc -> issues(rc, cert))
              .findFirst()
              .orElse(null);
      if (served == null) {
        fail(
            "revocation config",
            "no revocation configuration's CA issued this certificate",
            "add one with caCertificate set to the issuer \"" + cert.getIssuer() + "\"");
        return done();
      }
      pass("revocation config", served.name() + " (CA " + served.caCertificate() + ")");
    } else {
      out.println(
          "note  no configuration given (--config FILE): the cluster-side steps are skipped");
      return done();
    }

    HttpClient.Builder client = HttpClient.newBuilder();
    var tls = cluster.responder().tls();
    if (tls != null && tls.trust() != null) {
      client.sslContext(org.ocspcluster.health.HealthChecker.trusting(tls.trust()));
    }
    HttpClient http = client.build();
    OcspProbe probe =
        new OcspProbe(
            served.name(),
            served.caCertificate(),
            new Probe(certificate, null, Probe.Expect.ANY),
            http,
            cluster.health(),
            Clock.systemUTC());
    report("through the cluster", probe.probe(ocsp).join(), ocsp.toString());
    for (Member m : cluster.members()) {
      URI direct = URI.create(cluster.responder().scheme() + "://" + m.address() + "/");
      report("member " + m.name(), probe.probe(direct).join(), direct.toString());
    }
    return done();
  }

  private void report(String step, ProbeResult r, String where) {
    if (r.passed()) {
      pass(
          step,
          r.status()
              + ", signature and freshness verified ("
              + where
              + ")"
              + (r.warning() == null ? "" : "; warning: " + r.warning()));
    } else {
      // No answer at all means nothing listens there; an answer that fails says what to fix.
      boolean answered = !r.reason().startsWith("no OCSP answer");
      String fix;
      if (step.startsWith("member")) {
        fix =
            answered
                ? "the member answers but the answer is wrong: see its log and `ocsp-cluster"
                    + " query` for the reason"
                : "start the member, or see its log and `ocsp-cluster query` for the reason";
      } else {
        fix =
            answered
                ? "the cluster answers but the answer is wrong; `ocsp-cluster query` shows the"
                    + " members' health and reasons"
                : accepts(URI.create(where))
                    ? "the balancer at "
                        + where
                        + " accepts connections but no member answered: start or fix the members;"
                        + " `ocsp-cluster query` shows their health and reasons"
                    : "nothing listens at "
                        + where
                        + ": start the cluster (ocsp-cluster up) or check the balancer's port"
                        + " rules";
      }
      fail(step, r.reason(), fix);
    }
  }

  /** True when something accepts TCP connections at the URI's host and port (within a second). */
  private static boolean accepts(URI uri) {
    int port =
        uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress(uri.getHost(), port), 1000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** The cluster's OCSP URL as certificates should carry it: its name and the rule's port. */
  private static String clusterUri(ClusterConfig cluster, int port) {
    int p = port;
    boolean covered =
        cluster.portRules().stream()
            .anyMatch(
                r ->
                    r.coversTcp()
                        && r.ports().contains(port)
                        && r.filteringMode() != FilteringMode.DISABLED);
    if (!covered) {
      p =
          cluster.portRules().stream()
              .filter(r -> r.coversTcp() && r.filteringMode() != FilteringMode.DISABLED)
              .map(r -> r.ports().from())
              .findFirst()
              .orElse(80);
    }
    return "http://" + hostPort(cluster.cluster().fqdn(), p) + "/";
  }

  private static String hostPort(String host, int port) {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return port == 80 ? h : h + ":" + port;
  }

  private static boolean isIpLiteral(String host) {
    return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.startsWith("[") || host.contains(":");
  }

  private int done() {
    out.printf("%s: %d step(s) failed%n", failures == 0 ? "all good" : "not good", failures);
    out.flush();
    return failures == 0 ? 0 : 1;
  }

  private static boolean issues(RevocationConfiguration rc, X509CertificateHolder cert) {
    try {
      X509CertificateHolder ca = Pem.readCertificate(rc.caCertificate());
      return ca.getSubject().equals(cert.getIssuer())
          && cert.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca));
    } catch (Exception e) {
      return false;
    }
  }

  private static Optional<URI> ocspUri(X509CertificateHolder cert) {
    AuthorityInformationAccess aia =
        AuthorityInformationAccess.fromExtensions(cert.getExtensions());
    if (aia == null) {
      return Optional.empty();
    }
    List<URI> uris = new ArrayList<>();
    for (AccessDescription d : aia.getAccessDescriptions()) {
      if (d.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
          && d.getAccessLocation().getTagNo() == GeneralName.uniformResourceIdentifier) {
        uris.add(URI.create(d.getAccessLocation().getName().toString()));
      }
    }
    return uris.stream().findFirst();
  }
}
