package org.ocspcluster.responder.ocsp;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ocsp.BasicOCSPResponse;
import org.bouncycastle.asn1.ocsp.OCSPResponse;
import org.bouncycastle.asn1.ocsp.ResponseData;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;

/** The unsigned OCSP error responses, encoded once, and the validator of a signed one. */
final class Responses {
  static final byte[] MALFORMED = unsigned(OCSPRespBuilder.MALFORMED_REQUEST);
  static final byte[] UNAUTHORIZED = unsigned(OCSPRespBuilder.UNAUTHORIZED);
  static final byte[] TRY_LATER = unsigned(OCSPRespBuilder.TRY_LATER);
  static final byte[] INTERNAL_ERROR = unsigned(OCSPRespBuilder.INTERNAL_ERROR);

  private Responses() {}

  /**
   * A weak validator for HTTP caches (RFC 9110 8.8.1): the first 128 bits of the SHA-256 of what
   * the response says (its SingleResponses: CertIDs, statuses, thisUpdate, nextUpdate; and its
   * extensions), not of its bytes. Two members answering from the same data say the same thing with
   * different signatures and producedAt; a cache that reaches both keeps its 304s.
   */
  static String etag(byte[] encoded) {
    try {
      ResponseData said =
          BasicOCSPResponse.getInstance(
                  OCSPResponse.getInstance(encoded).getResponseBytes().getResponse().getOctets())
              .getTbsResponseData();
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(said.getResponses().getEncoded(ASN1Encoding.DER));
      if (said.getResponseExtensions() != null) {
        digest.update(said.getResponseExtensions().getEncoded(ASN1Encoding.DER));
      }
      return "W/\"" + HexFormat.of().formatHex(digest.digest(), 0, 16) + '"';
    } catch (NoSuchAlgorithmException | IOException e) {
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
