package org.ocspcluster.health.probe;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * One real OCSP question to one member for one CA: "what is the status of serial N?". It passes
 * only when the member answers HTTP 200 with an OCSP response that is successful, signed by the CA
 * or by a certificate the CA issued for OCSP signing, about the CertID asked, and not expired.
 */
public final class OcspProbe {
  private final String configuration;
  private final X509CertificateHolder ca;
  private final CertificateID certId;
  private final byte[] request;
  private final HttpClient http;
  private final Duration timeout;
  private final Clock clock;

  public OcspProbe(String configuration, Path caCertificate, BigInteger serial, HttpClient http, Duration timeout,
      Clock clock) throws IOException {
    this.configuration = configuration;
    this.ca = readCertificate(caCertificate);
    this.http = http;
    this.timeout = timeout;
    this.clock = clock;
    try {
      this.certId = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
          ca, serial);
      OCSPReq req = new OCSPReqBuilder().addRequest(certId).build();
      this.request = req.getEncoded();
    } catch (Exception e) {
      throw new IOException("cannot build the probe request for \"" + configuration + "\": " + e.getMessage(), e);
    }
  }

  public String configuration() {
    return configuration;
  }

  /** Asks the responder at {@code baseUri}; completes with the verdict, never exceptionally. */
  public CompletableFuture<ProbeResult> probe(URI baseUri) {
    HttpRequest httpRequest = HttpRequest.newBuilder(baseUri)
        .timeout(timeout)
        .header("Content-Type", "application/ocsp-request")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request))
        .build();
    return http.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(this::judge)
        .exceptionally(e -> ProbeResult.fail("no OCSP answer for \"" + configuration + "\": " + describe(e)));
  }

  private ProbeResult judge(HttpResponse<byte[]> response) {
    if (response.statusCode() != 200) {
      return ProbeResult.fail("HTTP " + response.statusCode() + " for \"" + configuration + "\"");
    }
    try {
      OCSPResp ocsp = new OCSPResp(response.body());
      if (ocsp.getStatus() != OCSPResp.SUCCESSFUL) {
        return ProbeResult.fail("OCSP status " + statusWord(ocsp.getStatus()) + " for \"" + configuration + "\"");
      }
      BasicOCSPResp basic = (BasicOCSPResp) ocsp.getResponseObject();
      if (!signedByCaOrDelegate(basic)) {
        return ProbeResult.fail("the answer for \"" + configuration + "\" is not signed by the CA or its OCSP signer");
      }
      SingleResp[] singles = basic.getResponses();
      if (singles.length != 1 || !singles[0].getCertID().equals(certId)) {
        return ProbeResult.fail("the answer for \"" + configuration + "\" is about another certificate");
      }
      Instant now = clock.instant();
      if (singles[0].getNextUpdate() != null && !singles[0].getNextUpdate().toInstant().isAfter(now)) {
        return ProbeResult.fail("revocation data for \"" + configuration + "\" expired at "
            + singles[0].getNextUpdate().toInstant());
      }
      return ProbeResult.pass();
    } catch (IOException | RuntimeException | org.bouncycastle.cert.ocsp.OCSPException e) {
      return ProbeResult.fail("unreadable OCSP answer for \"" + configuration + "\": " + describe(e));
    }
  }

  private boolean signedByCaOrDelegate(BasicOCSPResp basic) {
    try {
      if (basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca))) {
        return true;
      }
      for (X509CertificateHolder cert : basic.getCerts()) {
        ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(cert.getExtensions());
        if (cert.getIssuer().equals(ca.getSubject())
            && cert.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca))
            && eku != null && eku.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
            && cert.isValidOn(java.util.Date.from(clock.instant()))
            && basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(cert))) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      return false;
    }
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
    Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
  }

  private static X509CertificateHolder readCertificate(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return new JcaX509CertificateHolder(cert);
    } catch (java.security.cert.CertificateException e) {
      throw new IOException("cannot read the CA certificate " + file + ": " + e.getMessage(), e);
    }
  }
}
