package org.ocspcluster.responder.ocsp;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;

/** The unsigned OCSP error responses, encoded once, and the validator of a signed one. */
final class Responses {
  static final byte[] MALFORMED = unsigned(OCSPRespBuilder.MALFORMED_REQUEST);
  static final byte[] UNAUTHORIZED = unsigned(OCSPRespBuilder.UNAUTHORIZED);
  static final byte[] TRY_LATER = unsigned(OCSPRespBuilder.TRY_LATER);
  static final byte[] INTERNAL_ERROR = unsigned(OCSPRespBuilder.INTERNAL_ERROR);

  private Responses() {}

  /** A strong validator for HTTP caches: the first 128 bits of the response's SHA-256, quoted. */
  static String etag(byte[] encoded) {
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
