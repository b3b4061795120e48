package org.ocspcluster.balancer.forwarding;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.ocsp.OCSPRequest;
import org.bouncycastle.asn1.ocsp.Request;
import org.bouncycastle.asn1.ocsp.TBSRequest;
import org.ocspcluster.responder.http.GetRequestPath;

/**
 * An OCSP request whose answer may be shared (RFC 5019): one CertID, unsigned, no extensions (a
 * nonce asks for an answer of its own). Read with Bouncy Castle's ASN.1 classes from a GET path or
 * a POST body.
 */
record CacheableRequest(ByteBuffer certId, String issuerKeyHash, byte[] der) {

  /**
   * A one-CertID request is about 80 to 150 bytes; a larger one is not kept (its bytes are the
   * cache's key) nor rewritten as a GET (its path would pass the members' line bound).
   */
  static final int MAX_CACHEABLE = 512;

  /** The DER OCSP request a GET path or POST body carries, or null (or too large to keep). */
  static byte[] der(FullHttpRequest request) {
    byte[] der = null;
    if (HttpMethod.GET.equals(request.method())) {
      der = GetRequestPath.decode(request.uri());
    } else if (HttpMethod.POST.equals(request.method())
        && request.content().readableBytes() <= MAX_CACHEABLE
        && "application/ocsp-request"
            .equalsIgnoreCase(
                request
                    .headers()
                    .get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, "")
                    .trim())) {
      der = ByteBufUtil.getBytes(request.content());
    }
    return der == null || der.length == 0 || der.length > MAX_CACHEABLE ? null : der;
  }

  /** The request's cacheable reading, or null when its answer must not be shared. */
  static CacheableRequest of(byte[] der) {
    try {
      OCSPRequest ocsp = OCSPRequest.getInstance(der);
      TBSRequest tbs = ocsp.getTbsRequest();
      if (ocsp.getOptionalSignature() != null
          || tbs.getRequestorName() != null
          || tbs.getRequestExtensions() != null
          || tbs.getRequestList().size() != 1) {
        return null;
      }
      Request single = Request.getInstance(tbs.getRequestList().getObjectAt(0));
      if (single.getSingleRequestExtensions() != null) {
        return null;
      }
      CertID id = single.getReqCert();
      return new CacheableRequest(
          ByteBuffer.wrap(id.getEncoded()),
          HexFormat.of().formatHex(id.getIssuerKeyHash().getOctets()),
          der);
    } catch (IOException | RuntimeException notOcsp) {
      return null;
    }
  }

  /**
   * The request as a GET the members answer with their caching headers (RFC 5019 caching is for
   * GET): a POST becomes the same request in the path, under the POST's base path.
   */
  FullHttpRequest asGet(FullHttpRequest original) {
    if (HttpMethod.GET.equals(original.method())) {
      return original.retainedDuplicate();
    }
    String base = original.uri();
    int query = base.indexOf('?');
    if (query >= 0) {
      base = base.substring(0, query);
    }
    if (!base.endsWith("/")) {
      base = base + "/";
    }
    FullHttpRequest get =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.GET,
            base
                + URLEncoder.encode(
                    Base64.getEncoder().encodeToString(der), StandardCharsets.US_ASCII));
    String host = original.headers().get(HttpHeaderNames.HOST);
    if (host != null) {
      get.headers().set(HttpHeaderNames.HOST, host);
    }
    get.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return get;
  }
}
