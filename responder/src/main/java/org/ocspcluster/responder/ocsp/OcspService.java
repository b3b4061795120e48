package org.ocspcluster.responder.ocsp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.Req;
import org.ocspcluster.pki.Nonces;

/**
 * Turns the DER of an OCSPRequest into the DER of an OCSPResponse: it parses and bounds the
 * request, then hands it to the chain of {@link ResponseSource}s it composed:
 *
 * <pre>
 * IssuerFilter ── served CA ──▶ ResponseCache (pre-produced, RFC 5019) ──▶ SigningSource (online)
 *              └─ no served CA ▶ UnknownIssuerPolicy (unauthorized, or a signed unknown)
 * </pre>
 *
 * Parsing and the lookup are cheap and run on the caller's thread; signing runs on the signing
 * executor. Every failure has an OCSP answer: unparseable input is {@code malformedRequest}, an
 * issuer not served {@code unauthorized} (or a signed {@code unknown}, if so configured), stale
 * data or an expired signer {@code tryLater}; nothing throws to the caller.
 */
public final class OcspService {
  /** More CertIDs than this in one request are refused as malformed. */
  public static final int MAX_CERT_IDS = 16;

  /**
   * RFC 9654 (which obsoletes RFC 8954's 1..32): a responder echoes nonces of 1..128 octets and
   * refuses an empty or longer one.
   */
  public static final int MAX_NONCE = 128;

  /**
   * Distinct request encodings remembered, each at most {@link #RECENT_REQUEST_MAX_BYTES}: a few
   * MiB at most.
   */
  static final int RECENT_REQUESTS = 10_000;

  /**
   * A plain one-CertID request is about 80 to 120 bytes; larger ones (padded with extensions) are
   * not remembered.
   */
  static final int RECENT_REQUEST_MAX_BYTES = 512;

  /**
   * How the service answers beyond the configurations.
   *
   * @param unknownIssuerAnswersUnknown answer a signed {@code unknown} instead of {@code
   *     unauthorized}
   * @param cacheEntries pre-produced responses kept; 0 signs every request online
   */
  public record Settings(boolean unknownIssuerAnswersUnknown, int cacheEntries) {
    public static final Settings DEFAULT = new Settings(false, 100_000);
  }

  private final IssuerFilter chain;
  private final ResponseCache cache;

  /**
   * The exact bytes of recent pre-producible requests of a served CA, parsed and named with that
   * CA: most clients send byte-identical requests for the same certificate, so the repeat skips
   * parsing and the lookup. Bounded, so unique requests cannot grow it.
   */
  private final Cache<ByteBuffer, OcspRequest> recentRequests;

  public OcspService(
      List<ServedCa> served,
      Executor signingExecutor,
      Clock clock,
      Settings settings,
      OcspEvents events) {
    SigningSource online = new SigningSource(signingExecutor, clock, events);
    this.cache =
        settings.cacheEntries() == 0
            ? null
            : new ResponseCache(settings.cacheEntries(), signingExecutor, clock, online, events);
    ResponseSource notServed =
        settings.unknownIssuerAnswersUnknown() && !served.isEmpty()
            ? UnknownIssuerPolicy.signedUnknown(served.get(0), signingExecutor, clock, events)
            : UnknownIssuerPolicy.refusing();
    this.chain =
        new IssuerFilter(new IssuerIndex(served), cache == null ? online : cache, notServed);
    this.recentRequests =
        cache == null ? null : Caffeine.newBuilder().maximumSize(RECENT_REQUESTS).build();
  }

  public OcspService(List<ServedCa> served, Executor signingExecutor, Clock clock) {
    this(served, signingExecutor, clock, Settings.DEFAULT, OcspEvents.NONE);
  }

  public static Answer malformed() {
    return Answer.error(Responses.MALFORMED, Outcome.MALFORMED, null);
  }

  public CompletableFuture<Answer> answer(byte[] der) {
    if (recentRequests != null) {
      OcspRequest known = recentRequests.getIfPresent(ByteBuffer.wrap(der));
      if (known != null) {
        return chain.answer(known);
      }
    }
    OcspRequest request = parse(der);
    if (request == null) {
      return CompletableFuture.completedFuture(malformed());
    }
    if (recentRequests != null
        && request.preProducible()
        && der.length <= RECENT_REQUEST_MAX_BYTES) {
      // Remembered with its CA found, so that a repeat skips both parsing and the issuer lookup.
      OcspRequest resolved = chain.resolve(request);
      if (resolved != null) {
        byte[] copy = der.clone();
        recentRequests.put(
            ByteBuffer.wrap(copy), new OcspRequest(copy, resolved.ids(), null, resolved.ca()));
        return chain.answer(resolved);
      }
    }
    return chain.answer(request);
  }

  /** The request, or null when it is not a well-formed, bounded OCSPRequest. */
  private static OcspRequest parse(byte[] der) {
    OCSPReq request;
    Req[] requests;
    try {
      request = new OCSPReq(der);
      requests = request.getRequestList();
    } catch (IOException | RuntimeException e) {
      return null;
    }
    if (requests.length == 0 || requests.length > MAX_CERT_IDS) {
      return null;
    }
    Extension nonce = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
    if (nonce != null && !nonceLengthOk(nonce)) {
      return null;
    }
    List<CertificateID> ids = new ArrayList<>(requests.length);
    for (Req r : requests) {
      ids.add(r.getCertID());
    }
    return new OcspRequest(der, ids, nonce, null);
  }

  /** Pre-produced responses being re-signed in the background now. */
  public int resignsPending() {
    return cache == null ? 0 : cache.resignsPending();
  }

  /**
   * Re-signs in the background every pre-produced response of {@code ca} (its data or signer
   * changed).
   */
  public void resignAll(ServedCa ca) {
    if (cache != null) {
      cache.resignAll(ca);
    }
  }

  private static boolean nonceLengthOk(Extension nonce) {
    int length = Nonces.value(nonce).length;
    return length >= 1 && length <= MAX_NONCE;
  }
}
