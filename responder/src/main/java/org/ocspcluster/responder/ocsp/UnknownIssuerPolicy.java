package org.ocspcluster.responder.ocsp;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.ocspcluster.responder.signing.ResponseSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a request for an issuer that is not served hears: {@code unauthorized} (RFC 6960 2.3, the
 * default), or, where relying parties must get a signed answer, {@code unknown} signed by a served
 * configuration's signer (responder.unknownIssuer: unknown).
 */
final class UnknownIssuerPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(UnknownIssuerPolicy.class);

  private UnknownIssuerPolicy() {}

  static Answer unauthorized() {
    return Answer.error(Responses.UNAUTHORIZED, Outcome.UNAUTHORIZED, null);
  }

  /** Always {@code unauthorized}. */
  static ResponseSource refusing() {
    return request -> CompletableFuture.completedFuture(unauthorized());
  }

  /**
   * A signed {@code unknown} for every CertID, by {@code signerOf}'s signer, on {@code signing}.
   */
  static ResponseSource signedUnknown(
      ServedCa signerOf, Executor signing, Clock clock, OcspEvents events) {
    return request ->
        CompletableFuture.supplyAsync(() -> signUnknown(signerOf, request, clock, events), signing);
  }

  private static Answer signUnknown(
      ServedCa anyCa, OcspRequest request, Clock clock, OcspEvents events) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    ResponseSigner signer = anyCa.signer();
    try {
      BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(signer.responderId());
      for (CertificateID id : request.ids()) {
        builder.addResponse(id, new UnknownStatus(), Date.from(now), null, null);
      }
      if (request.nonce() != null) {
        builder.setResponseExtensions(new Extensions(request.nonce()));
      }
      byte[] encoded =
          new OCSPRespBuilder()
              .build(OCSPRespBuilder.SUCCESSFUL, signer.sign(builder, now))
              .getEncoded();
      events.signed(anyCa.name());
      return new Answer(encoded, Outcome.UNKNOWN, false, null, now, null, null, -1, null, null);
    } catch (OCSPException | IOException | RuntimeException e) {
      LOG.error("cannot sign an unknown-issuer response: {}", e.toString());
      return Answer.error(Responses.INTERNAL_ERROR, Outcome.INTERNAL_ERROR, null);
    }
  }
}
