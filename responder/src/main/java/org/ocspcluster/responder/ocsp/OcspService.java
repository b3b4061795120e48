package org.ocspcluster.responder.ocsp;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.ocspcluster.responder.revocation.CertStatus;
import org.ocspcluster.responder.revocation.RevocationDataUnavailable;
import org.ocspcluster.responder.revocation.StatusAnswer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the DER of an OCSPRequest into the DER of an OCSPResponse. Parsing and the lookup are cheap
 * and run on the caller's thread; building and signing run on {@code signingExecutor}.
 *
 * <p>Every failure has an OCSP answer: unparseable input is {@code malformedRequest}, an issuer not
 * served is {@code unauthorized}, stale data is {@code tryLater}; nothing throws to the caller.
 */
public final class OcspService {
  private static final Logger LOG = LoggerFactory.getLogger(OcspService.class);

  /** More CertIDs than this in one request are refused as malformed. */
  public static final int MAX_CERT_IDS = 16;
  /** RFC 8954: a responder echoes nonces of 1..32 octets. */
  public static final int MAX_NONCE = 32;

  private static final byte[] MALFORMED = unsigned(OCSPRespBuilder.MALFORMED_REQUEST);
  private static final byte[] UNAUTHORIZED = unsigned(OCSPRespBuilder.UNAUTHORIZED);
  private static final byte[] TRY_LATER = unsigned(OCSPRespBuilder.TRY_LATER);
  private static final byte[] INTERNAL_ERROR = unsigned(OCSPRespBuilder.INTERNAL_ERROR);

  private final IssuerIndex index;
  private final Executor signingExecutor;
  private final Clock clock;

  public OcspService(List<ServedCa> served, Executor signingExecutor, Clock clock) {
    this.index = new IssuerIndex(served);
    this.signingExecutor = signingExecutor;
    this.clock = clock;
  }

  public static Answer malformed() {
    return new Answer(MALFORMED, Outcome.MALFORMED, false);
  }

  public CompletableFuture<Answer> answer(byte[] der) {
    OCSPReq request;
    Req[] certIds;
    try {
      request = new OCSPReq(der);
      certIds = request.getRequestList();
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.completedFuture(malformed());
    }
    if (certIds.length == 0 || certIds.length > MAX_CERT_IDS) {
      return CompletableFuture.completedFuture(malformed());
    }
    Extension nonce = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
    if (nonce != null && !nonceLengthOk(nonce)) {
      return CompletableFuture.completedFuture(malformed());
    }
    ServedCa ca = index.find(certIds[0].getCertID());
    for (Req r : certIds) {
      // One response has one signer: every CertID must belong to the same served CA.
      if (ca == null || index.find(r.getCertID()) != ca) {
        return CompletableFuture.completedFuture(new Answer(UNAUTHORIZED, Outcome.UNAUTHORIZED, false));
      }
    }
    return CompletableFuture.supplyAsync(() -> sign(ca, certIds, nonce), signingExecutor);
  }

  private Answer sign(ServedCa ca, Req[] certIds, Extension nonce) {
    Instant now = clock.instant();
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(ca.signer().responderId());
    Outcome outcome = null;
    try {
      for (Req r : certIds) {
        BigInteger serial = r.getCertID().getSerialNumber();
        StatusAnswer status = ca.source().status(serial, now);
        builder.addResponse(r.getCertID(), toBc(status.status()), date(status.thisUpdate()),
            date(status.nextUpdate()), null);
        if (outcome == null) {
          outcome = outcomeOf(status.status());
        }
      }
      if (nonce != null) {
        builder.setResponseExtensions(new Extensions(nonce));
      }
      OCSPResp response = new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, ca.signer().sign(builder, now));
      return new Answer(response.getEncoded(), outcome, nonce == null);
    } catch (RevocationDataUnavailable e) {
      LOG.debug("tryLater for \"{}\": {}", ca.name(), e.getMessage());
      return new Answer(TRY_LATER, Outcome.TRY_LATER, false);
    } catch (OCSPException | IOException | RuntimeException e) {
      LOG.error("cannot sign a response for \"{}\": {}", ca.name(), e.toString());
      return new Answer(INTERNAL_ERROR, Outcome.INTERNAL_ERROR, false);
    }
  }

  private static boolean nonceLengthOk(Extension nonce) {
    byte[] value = nonce.getExtnValue().getOctets();
    int length;
    try {
      length = ASN1OctetString.getInstance(value).getOctets().length;
    } catch (RuntimeException notWrapped) {
      // Some clients put the nonce octets in extnValue without the inner OCTET STRING.
      length = value.length;
    }
    return length >= 1 && length <= MAX_NONCE;
  }

  private static CertificateStatus toBc(CertStatus status) {
    if (status instanceof CertStatus.Revoked revoked) {
      Date time = date(revoked.time());
      return revoked.reason() < 0
          ? new RevokedStatus(new org.bouncycastle.asn1.ocsp.RevokedInfo(
              new org.bouncycastle.asn1.ASN1GeneralizedTime(time), null))
          : new RevokedStatus(time, revoked.reason());
    }
    if (status instanceof CertStatus.Unknown) {
      return new UnknownStatus();
    }
    return CertificateStatus.GOOD;
  }

  private static Outcome outcomeOf(CertStatus status) {
    if (status instanceof CertStatus.Revoked) {
      return Outcome.REVOKED;
    }
    return status instanceof CertStatus.Unknown ? Outcome.UNKNOWN : Outcome.GOOD;
  }

  /** OCSP times are GeneralizedTime without fractions. */
  private static Date date(Instant instant) {
    return instant == null ? null : Date.from(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  private static byte[] unsigned(int status) {
    try {
      return new OCSPRespBuilder().build(status, null).getEncoded();
    } catch (IOException | OCSPException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
