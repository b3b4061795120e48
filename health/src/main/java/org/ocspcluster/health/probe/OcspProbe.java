package org.ocspcluster.health.probe;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.Probe;
import org.ocspcluster.pki.Nonces;
import org.ocspcluster.pki.OcspSigners;
import org.ocspcluster.pki.Pem;

/**
 * One real OCSP question to one member for one CA. It passes only when the answer is HTTP 200 with
 * the OCSP content type; successful; signed by the CA, or by a certificate the CA issued for OCSP
 * signing that is valid now; about the CertID asked; with the expected status; thisUpdate not in
 * the future (beyond the allowed clock skew); nextUpdate more than the margin away; the nonce
 * echoed when one was sent; and in time. A signer that expires within the warning period passes,
 * with a warning.
 */
public final class OcspProbe {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String configuration;
  private final X509CertificateHolder ca;
  private final CertificateID certId;
  private final Probe.Expect expect;
  private final HttpClient http;
  private final HealthSettings settings;
  private final Clock clock;

  public OcspProbe(
      String configuration,
      Path caCertificate,
      Probe probe,
      HttpClient http,
      HealthSettings settings,
      Clock clock)
      throws IOException {
    this.configuration = configuration;
    this.ca = Pem.readCertificate(caCertificate);
    this.http = http;
    this.settings = settings;
    this.clock = clock;
    this.expect = probe == null ? Probe.Expect.ANY : probe.expect();
    BigInteger serial =
        probe == null
            ? BigInteger.ONE
            : probe.certificate() != null
                ? Pem.readCertificate(probe.certificate()).getSerialNumber()
                : probe.serial().toLowerCase(Locale.ROOT).startsWith("0x")
                    ? new BigInteger(probe.serial().substring(2), 16)
                    : new BigInteger(probe.serial());
    try {
      this.certId =
          new CertificateID(
              new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
              ca,
              serial);
    } catch (Exception e) {
      throw new IOException(
          "cannot build the probe for \"" + configuration + "\": " + e.getMessage(), e);
    }
  }

  public String configuration() {
    return configuration;
  }

  /** Asks the responder at {@code baseUri}; completes with the verdict, never exceptionally. */
  public CompletableFuture<ProbeResult> probe(URI baseUri) {
    byte[] nonce = null;
    byte[] request;
    try {
      OCSPReqBuilder builder = new OCSPReqBuilder().addRequest(certId);
      if (settings.nonce()) {
        nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        builder.setRequestExtensions(new Extensions(Nonces.extension(nonce)));
      }
      request = builder.build().getEncoded();
    } catch (Exception e) {
      return CompletableFuture.completedFuture(
          ProbeResult.fail("cannot build a probe request: " + e.getMessage()));
    }
    byte[] sent = nonce;
    HttpRequest httpRequest =
        HttpRequest.newBuilder(baseUri)
            .timeout(settings.timeout())
            .header("Content-Type", "application/ocsp-request")
            .POST(HttpRequest.BodyPublishers.ofByteArray(request))
            .build();
    return http.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(response -> judge(response, sent))
        .exceptionally(
            e -> ProbeResult.fail("no OCSP answer for \"" + configuration + "\": " + describe(e)));
  }

  private ProbeResult judge(HttpResponse<byte[]> response, byte[] nonce) {
    String data =
        response.headers().firstValue(org.ocspcluster.health.AnswerData.HEADER).orElse(null);
    String what = "the answer for \"" + configuration + "\"";
    if (response.statusCode() != 200) {
      return ProbeResult.fail("HTTP " + response.statusCode() + " for \"" + configuration + "\"");
    }
    String type = response.headers().firstValue("content-type").orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("application/ocsp-response")) {
      return ProbeResult.fail(
          what + " has content type '" + type + "', not application/ocsp-response");
    }
    try {
      OCSPResp ocsp = new OCSPResp(response.body());
      if (ocsp.getStatus() != OCSPResp.SUCCESSFUL) {
        return ProbeResult.fail(
            "OCSP status " + statusWord(ocsp.getStatus()) + " for \"" + configuration + "\"");
      }
      BasicOCSPResp basic = (BasicOCSPResp) ocsp.getResponseObject();
      Instant now = clock.instant();
      String signer = verifySigner(basic, now);
      if (signer != null) {
        return ProbeResult.fail(what + " " + signer);
      }
      SingleResp[] singles = basic.getResponses();
      if (singles.length != 1 || !singles[0].getCertID().equals(certId)) {
        return ProbeResult.fail(what + " is about another certificate");
      }
      SingleResp single = singles[0];
      Instant nextUpdate =
          single.getNextUpdate() == null ? null : single.getNextUpdate().toInstant();
      String status = statusOf(single.getCertStatus());
      if (expect != Probe.Expect.ANY && !expect.toString().equals(status)) {
        return ProbeResult.fail(what + " says " + status + ", expected " + expect, nextUpdate);
      }
      if (single.getThisUpdate().toInstant().isAfter(now.plus(settings.clockSkew()))) {
        return ProbeResult.fail(
            what
                + " has thisUpdate "
                + single.getThisUpdate().toInstant()
                + " in the future (clock skew?)",
            nextUpdate);
      }
      if (nextUpdate == null) {
        return ProbeResult.fail(what + " has no nextUpdate", null);
      }
      if (!nextUpdate.isAfter(now.plus(settings.nextUpdateMargin()))) {
        long ago = Duration.between(nextUpdate, now).toSeconds();
        return ProbeResult.fail(
            "revocation data for \""
                + configuration
                + "\" "
                + (ago >= 0 ? "expired " + ago + " s ago" : "expires in " + Math.abs(ago) + " s")
                + " (nextUpdate "
                + nextUpdate
                + ")",
            nextUpdate);
      }
      if (nonce != null) {
        Extension echoed = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        if (echoed == null || !Arrays.equals(nonce, Nonces.value(echoed))) {
          return ProbeResult.fail(what + " does not echo the request's nonce", nextUpdate);
        }
      }
      return ProbeResult.pass(
          signerWarning(basic, now),
          nextUpdate,
          status,
          org.ocspcluster.health.AnswerData.of(basic, data));
    } catch (IOException | RuntimeException | org.bouncycastle.cert.ocsp.OCSPException e) {
      return ProbeResult.fail(
          "unreadable OCSP answer for \"" + configuration + "\": " + describe(e));
    }
  }

  /** Null when the response is signed by the CA or a valid delegated OCSP signer; else why not. */
  private String verifySigner(BasicOCSPResp basic, Instant now) {
    try {
      if (basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca))) {
        return null;
      }
      for (X509CertificateHolder cert : basic.getCerts()) {
        if (!basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(cert))) {
          continue;
        }
        String problem = OcspSigners.delegationProblem(cert, ca);
        if (problem != null) {
          return "is signed by a certificate the CA did not delegate OCSP signing to: " + problem;
        }
        if (!cert.isValidOn(Date.from(now))) {
          return "is signed by \""
              + cert.getSubject()
              + "\", whose certificate expired at "
              + cert.getNotAfter().toInstant();
        }
        return null;
      }
      return "has a signature that neither the CA nor an OCSP signer it issued verifies";
    } catch (Exception e) {
      return "has a signature that cannot be checked: " + e.getMessage();
    }
  }

  private String signerWarning(BasicOCSPResp basic, Instant now) {
    for (X509CertificateHolder cert : basic.getCerts()) {
      Instant notAfter = cert.getNotAfter().toInstant();
      if (notAfter.isBefore(now.plus(Duration.ofDays(settings.signerWarningDays())))) {
        return "the signing certificate for \""
            + configuration
            + "\" expires at "
            + notAfter
            + ", within "
            + settings.signerWarningDays()
            + " days: assign a new one";
      }
    }
    return null;
  }

  private static String statusOf(CertificateStatus status) {
    if (status == null) {
      return "good";
    }
    if (status instanceof RevokedStatus) {
      return "revoked";
    }
    return "unknown";
  }

  private static String statusWord(int status) {
    return switch (status) {
      case 1 -> "malformedRequest";
      case 2 -> "internalError";
      case 3 -> "tryLater";
      case 5 -> "sigRequired";
      case 6 -> "unauthorized";
      default -> Integer.toString(status);
    };
  }

  private static String describe(Throwable e) {
    Throwable t =
        e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause()
            : e;
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
  }
}
