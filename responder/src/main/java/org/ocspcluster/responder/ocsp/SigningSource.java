package org.ocspcluster.responder.ocsp;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.ocspcluster.responder.revocation.CertStatus;
import org.ocspcluster.responder.revocation.RevocationDataUnavailable;
import org.ocspcluster.responder.revocation.StatusAnswer;
import org.ocspcluster.responder.signing.ResponseSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The innermost source: asks the CA's revocation source for each CertID and signs the response
 * online, on the signing executor (signing is CPU-bound and never runs on an event loop). Stale
 * data or a signer not valid now is {@code tryLater}, never {@code good}.
 */
final class SigningSource implements ResponseSource {
  private static final Logger LOG = LoggerFactory.getLogger(SigningSource.class);

  private final Executor signing;
  private final Clock clock;
  private final OcspEvents events;

  SigningSource(Executor signing, Clock clock, OcspEvents events) {
    this.signing = signing;
    this.clock = clock;
    this.events = events;
  }

  @Override
  public CompletableFuture<Answer> answer(OcspRequest request) {
    return CompletableFuture.supplyAsync(
        () -> sign(request.ca(), request.ids(), request.nonce()), signing);
  }

  /** Signs now, on the calling thread: for callers already on the signing executor. */
  Answer sign(ServedCa ca, List<CertificateID> ids, Extension nonce) {
    long version = ca.version();
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    ResponseSigner signer = ca.signer();
    if (!signer.validAt(now)) {
      LOG.debug(
          "tryLater for \"{}\": {}",
          ca.name(),
          signer.unavailableReason() != null
              ? signer.unavailableReason()
              : "the signing certificate is not valid now");
      return Answer.error(Responses.TRY_LATER, Outcome.TRY_LATER, ca.name());
    }
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(signer.responderId());
    Outcome outcome = null;
    Instant thisUpdate = null;
    Instant nextUpdate = null;
    Instant resignAt = null;
    Instant dataThisUpdate = null;
    try {
      for (CertificateID id : ids) {
        StatusAnswer status = ca.source().status(id.getSerialNumber(), now);
        // A nonce answer is about now and kept by no cache: it says when it was signed.
        ResponseWindows.Window window =
            nonce == null
                ? ca.windows().at(now, status.thisUpdate(), status.nextUpdate())
                : ca.windows().signedNow(now, status.nextUpdate());
        Instant next = window.nextUpdate();
        Instant said = window.thisUpdate();
        builder.addResponse(
            id,
            toBc(status.status()),
            Date.from(said),
            next == null ? null : Date.from(next),
            null);
        if (outcome == null) {
          outcome = outcomeOf(status.status());
          thisUpdate = said;
          nextUpdate = next;
          resignAt = window.ends();
          dataThisUpdate = status.thisUpdate();
        }
      }
      builder.setResponseExtensions(
          responseExtensions(nonce, ca.source().extendedRevokedDefinition()));
      byte[] encoded =
          new OCSPRespBuilder()
              .build(OCSPRespBuilder.SUCCESSFUL, signWith(ca, signer, builder, now))
              .getEncoded();
      events.signed(ca.name());
      boolean cacheable = nonce == null && nextUpdate != null;
      return new Answer(
          encoded,
          outcome,
          cacheable,
          ca.name(),
          thisUpdate,
          nextUpdate,
          // Only an answer HTTP caches may keep has a validator: a nonce answer is not read again.
          cacheable ? Responses.etag(encoded) : null,
          version,
          dataThisUpdate,
          resignAt);
    } catch (RevocationDataUnavailable e) {
      LOG.debug("tryLater for \"{}\": {}", ca.name(), e.getMessage());
      return Answer.error(Responses.TRY_LATER, Outcome.TRY_LATER, ca.name());
    } catch (TokenFailed e) {
      return Answer.error(Responses.TRY_LATER, Outcome.TRY_LATER, ca.name());
    } catch (OCSPException | IOException | RuntimeException e) {
      LOG.error("cannot sign a response for \"{}\": {}", ca.name(), e.toString());
      return Answer.error(Responses.INTERNAL_ERROR, Outcome.INTERNAL_ERROR, ca.name());
    }
  }

  /** The token failed to sign: the answer is tryLater (said once, by {@link #signWith}). */
  private static final class TokenFailed extends Exception {
    TokenFailed() {
      super(null, null, false, false);
    }
  }

  /**
   * Signs; a key in a token that fails to sign (session lost, device gone, key removed) marks the
   * configuration's signer unavailable, once, so the probes drain the member and its status says
   * why, and the member opens the token again by itself (ResponderMember). Never a wrong answer.
   */
  private static BasicOCSPResp signWith(
      ServedCa ca, ResponseSigner signer, BasicOCSPRespBuilder builder, Instant now)
      throws OCSPException, TokenFailed {
    try {
      return signer.sign(builder, now);
    } catch (OCSPException | RuntimeException e) {
      if (!signer.inToken()) {
        throw e;
      }
      String why = "the signing token failed while signing: " + rootMessage(e);
      if (ca.replace(signer, ResponseSigner.unavailable(signer.certificate(), why))) {
        LOG.warn(
            "revocation configuration \"{}\": {}; answering tryLater until the token signs again",
            ca.name(),
            why);
      }
      throw new TokenFailed();
    }
  }

  /**
   * The nonce echoed (RFC 8954), and the extended-revoke flag (RFC 6960 4.4.8) where it applies.
   */
  private static Extensions responseExtensions(Extension nonce, boolean extendedRevoke) {
    List<Extension> extensions = new ArrayList<>(2);
    if (nonce != null) {
      extensions.add(nonce);
    }
    if (extendedRevoke) {
      extensions.add(
          new Extension(
              OCSPObjectIdentifiers.id_pkix_ocsp_extended_revoke, false, new byte[] {0x05, 0x00}));
    }
    return extensions.isEmpty() ? null : new Extensions(extensions.toArray(Extension[]::new));
  }

  private static CertificateStatus toBc(CertStatus status) {
    if (status instanceof CertStatus.Revoked revoked) {
      Date time = Date.from(revoked.time().truncatedTo(ChronoUnit.SECONDS));
      return revoked.reason() < 0
          ? new RevokedStatus(
              new org.bouncycastle.asn1.ocsp.RevokedInfo(
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

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
