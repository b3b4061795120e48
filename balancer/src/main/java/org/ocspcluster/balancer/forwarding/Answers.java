package org.ocspcluster.balancer.forwarding;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1SequenceParser;
import org.bouncycastle.asn1.ASN1StreamParser;
import org.bouncycastle.asn1.ocsp.OCSPResponse;
import org.bouncycastle.asn1.ocsp.OCSPResponseStatus;

/** Answers the balancer reads or gives itself. */
final class Answers {
  static final String OCSP_RESPONSE = "application/ocsp-response";

  /** An OCSP answer the balancer gives itself to a request it cannot read (RFC 6960 4.2.1). */
  static final byte[] MALFORMED = encode(OCSPResponseStatus.MALFORMED_REQUEST);

  private Answers() {}

  private static byte[] encode(int status) {
    try {
      return new OCSPResponse(new OCSPResponseStatus(status), null).getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The responseStatus of an OCSP answer (0 successful, 2 internalError, 3 tryLater...), read
   * lazily: only the first two DER elements are parsed, the signed part is never touched. -1 when
   * the bytes are not an OCSP response.
   */
  static int ocspStatus(ByteBuf content) {
    try (ByteBufInputStream in = new ByteBufInputStream(content.duplicate())) {
      if (new ASN1StreamParser(in).readObject() instanceof ASN1SequenceParser sequence
          && sequence.readObject() instanceof ASN1Enumerated status) {
        return status.intValueExact();
      }
      return -1;
    } catch (IOException | RuntimeException notOcsp) {
      return -1;
    }
  }

  /** What a client gets when no member answered: try again shortly. */
  static FullHttpResponse unavailable(HttpVersion version) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            version, HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.EMPTY_BUFFER);
    response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return dated(response);
  }

  static FullHttpResponse malformed(HttpVersion version) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            version, HttpResponseStatus.OK, Unpooled.wrappedBuffer(MALFORMED));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, OCSP_RESPONSE);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, MALFORMED.length);
    return dated(response);
  }

  static FullHttpResponse badRequest(HttpVersion version) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(version, HttpResponseStatus.BAD_REQUEST, Unpooled.EMPTY_BUFFER);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return dated(response);
  }

  /** Every answer the balancer gives itself carries a Date, as the members' do (RFC 9110 6.6.1). */
  private static FullHttpResponse dated(FullHttpResponse response) {
    response
        .headers()
        .set(
            HttpHeaderNames.DATE,
            org.ocspcluster.responder.http.HttpDates.format(java.time.Instant.now()));
    return response;
  }
}
