package org.ocspcluster.responder.ocsp;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
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
import org.ocspcluster.responder.signing.ResponseSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the DER of an OCSPRequest into the DER of an OCSPResponse. Parsing and the lookup are cheap
 * and run on the caller's thread; building and signing run on {@code signingExecutor}. A nonce-less
 * request for one CertID is answered from the pre-produced {@link ResponseCache}.
 *
 * <p>Every failure has an OCSP answer: unparseable input is {@code malformedRequest}, an issuer not
 * served is {@code unauthorized} (or a signed {@code unknown}, if so configured), stale data or an
 * expired signer is {@code tryLater}; nothing throws to the caller.
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

  /**
   * How the service answers beyond the configurations.
   *
   * @param unknownIssuerAnswersUnknown answer a signed {@code unknown} instead of {@code unauthorized}
   * @param cacheEntries pre-produced responses kept; 0 signs every request online
   */
  public record Settings(boolean unknownIssuerAnswersUnknown, int cacheEntries) {
    public static final Settings DEFAULT = new Settings(false, 100_000);
  }

  private final List<ServedCa> served;
  private final IssuerIndex index;
  private final Executor signingExecutor;
  private final Clock clock;
  private final Settings settings;
  private final OcspEvents events;
  private final ResponseCache cache;
  /**
   * The exact bytes of recent cacheable requests (no nonce, one CertID of a served CA) and what
   * they ask: most clients send byte-identical requests for the same certificate, so the repeat
   * skips parsing. Bounded, so unique requests cannot grow it.
   */
  private final com.github.benmanes.caffeine.cache.Cache<java.nio.ByteBuffer, Asked> recentRequests;

  private record Asked(ServedCa ca, CertificateID id) {}

  public OcspService(List<ServedCa> served, Executor signingExecutor, Clock clock, Settings settings,
      OcspEvents events) {
    this.served = List.copyOf(served);
    this.index = new IssuerIndex(served);
    this.signingExecutor = signingExecutor;
    this.clock = clock;
    this.settings = settings;
    this.events = events;
    this.cache = settings.cacheEntries() == 0 ? null : new ResponseCache(settings.cacheEntries(), signingExecutor,
        clock, (ca, id) -> sign(ca, new CertificateID[] {id}, null), events);
    this.recentRequests = cache == null ? null
        : com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(RECENT_REQUESTS).build();
  }

  /** Distinct request encodings remembered, each at most {@link #RECENT_REQUEST_MAX_BYTES}: a few MiB at most. */
  static final int RECENT_REQUESTS = 10_000;
  /** A plain one-CertID request is about 80 to 120 bytes; larger ones (padded with extensions) are not remembered. */
  static final int RECENT_REQUEST_MAX_BYTES = 512;

  public OcspService(List<ServedCa> served, Executor signingExecutor, Clock clock) {
    this(served, signingExecutor, clock, Settings.DEFAULT, OcspEvents.NONE);
  }

  public static Answer malformed() {
    return Answer.error(MALFORMED, Outcome.MALFORMED, null);
  }

  public CompletableFuture<Answer> answer(byte[] der) {
    if (recentRequests != null) {
      Asked asked = recentRequests.getIfPresent(java.nio.ByteBuffer.wrap(der));
      if (asked != null) {
        return cache.get(asked.ca(), asked.id());
      }
    }
    OCSPReq request;
    Req[] requests;
    try {
      request = new OCSPReq(der);
      requests = request.getRequestList();
    } catch (IOException | RuntimeException e) {
      return done(malformed());
    }
    if (requests.length == 0 || requests.length > MAX_CERT_IDS) {
      return done(malformed());
    }
    Extension nonce = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
    if (nonce != null && !nonceLengthOk(nonce)) {
      return done(malformed());
    }
    CertificateID[] ids = new CertificateID[requests.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = requests[i].getCertID();
    }
    ServedCa ca = index.find(ids[0]);
    boolean sameCa = true;
    boolean noneServed = true;
    for (CertificateID id : ids) {
      ServedCa other = index.find(id);
      sameCa &= other == ca;
      noneServed &= other == null;
    }
    if (ca == null || !sameCa) {
      // One response has one signer: CertIDs of two CAs, or of a CA not served, are not answered.
      if (noneServed && settings.unknownIssuerAnswersUnknown() && !served.isEmpty()) {
        return CompletableFuture.supplyAsync(() -> signUnknown(served.get(0), ids, nonce), signingExecutor);
      }
      return done(Answer.error(UNAUTHORIZED, Outcome.UNAUTHORIZED, null));
    }
    if (nonce == null && ids.length == 1 && cache != null) {
      if (der.length <= RECENT_REQUEST_MAX_BYTES) {
        recentRequests.put(java.nio.ByteBuffer.wrap(der.clone()), new Asked(ca, ids[0]));
      }
      return cache.get(ca, ids[0]);
    }
    return CompletableFuture.supplyAsync(() -> sign(ca, ids, nonce), signingExecutor);
  }

  /** Pre-produced responses being re-signed in the background now. */
  public int resignsPending() {
    return cache == null ? 0 : cache.resignsPending();
  }

  /** Re-signs in the background every pre-produced response of {@code ca} (its data or signer changed). */
  public void resignAll(ServedCa ca) {
    if (cache != null) {
      cache.resignAll(ca);
    }
  }

  private Answer sign(ServedCa ca, CertificateID[] ids, Extension nonce) {
    long version = ca.version();
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    ResponseSigner signer = ca.signer();
    if (!signer.validAt(now)) {
      LOG.debug("tryLater for \"{}\": the signing certificate is not valid now", ca.name());
      return Answer.error(TRY_LATER, Outcome.TRY_LATER, ca.name());
    }
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(signer.responderId());
    Outcome outcome = null;
    Instant nextUpdate = null;
    try {
      for (CertificateID id : ids) {
        StatusAnswer status = ca.source().status(id.getSerialNumber(), now);
        Instant next = status.nextUpdate();
        if (next != null && ca.responseValidity() != null && now.plus(ca.responseValidity()).isBefore(next)) {
          next = now.plus(ca.responseValidity());
        }
        next = next == null ? null : next.truncatedTo(ChronoUnit.SECONDS);
        builder.addResponse(id, toBc(status.status()), Date.from(now), next == null ? null : Date.from(next), null);
        if (outcome == null) {
          outcome = outcomeOf(status.status());
          nextUpdate = next;
        }
      }
      builder.setResponseExtensions(responseExtensions(nonce, ca.source().extendedRevokedDefinition()));
      byte[] encoded = new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, signer.sign(builder, now)).getEncoded();
      events.signed(ca.name());
      return new Answer(encoded, outcome, nonce == null && nextUpdate != null, ca.name(), now, nextUpdate,
          etag(encoded), version);
    } catch (RevocationDataUnavailable e) {
      LOG.debug("tryLater for \"{}\": {}", ca.name(), e.getMessage());
      return Answer.error(TRY_LATER, Outcome.TRY_LATER, ca.name());
    } catch (OCSPException | IOException | RuntimeException e) {
      LOG.error("cannot sign a response for \"{}\": {}", ca.name(), e.toString());
      return Answer.error(INTERNAL_ERROR, Outcome.INTERNAL_ERROR, ca.name());
    }
  }

  private Answer signUnknown(ServedCa anyCa, CertificateID[] ids, Extension nonce) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    try {
      BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(anyCa.signer().responderId());
      for (CertificateID id : ids) {
        builder.addResponse(id, new UnknownStatus(), Date.from(now), null, null);
      }
      if (nonce != null) {
        builder.setResponseExtensions(new Extensions(nonce));
      }
      byte[] encoded = new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, anyCa.signer().sign(builder, now))
          .getEncoded();
      events.signed(anyCa.name());
      return new Answer(encoded, Outcome.UNKNOWN, false, null, now, null, etag(encoded), -1);
    } catch (OCSPException | IOException | RuntimeException e) {
      LOG.error("cannot sign an unknown-issuer response: {}", e.toString());
      return Answer.error(INTERNAL_ERROR, Outcome.INTERNAL_ERROR, null);
    }
  }

  /** The nonce echoed (RFC 8954), and the extended-revoke flag (RFC 6960 4.4.8) where it applies. */
  private static Extensions responseExtensions(Extension nonce, boolean extendedRevoke) {
    List<Extension> extensions = new java.util.ArrayList<>(2);
    if (nonce != null) {
      extensions.add(nonce);
    }
    if (extendedRevoke) {
      extensions.add(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_extended_revoke, false, new byte[] {0x05, 0x00}));
    }
    return extensions.isEmpty() ? null : new Extensions(extensions.toArray(Extension[]::new));
  }

  private static CompletableFuture<Answer> done(Answer answer) {
    return CompletableFuture.completedFuture(answer);
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
      Date time = Date.from(revoked.time().truncatedTo(ChronoUnit.SECONDS));
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

  /** A strong validator for HTTP caches: the first 128 bits of the response's SHA-256, quoted. */
  private static String etag(byte[] encoded) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(encoded);
      return '"' + HexFormat.of().formatHex(digest, 0, 16) + '"';
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] unsigned(int status) {
    try {
      return new OCSPRespBuilder().build(status, null).getEncoded();
    } catch (IOException | OCSPException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
