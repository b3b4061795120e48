package org.ocspcluster.health;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;

/**
 * What a member's answer says of the data behind it: the revocation data's thisUpdate (a CRL's,
 * from the member's {@code Revocation-Data-This-Update} header: the answer's own thisUpdate is when
 * it was signed) and who signed it. A cache of answers compares these with what members answer now:
 * newer data or another signer means its answers are out of date.
 */
public record AnswerData(Instant thisUpdate, String signer) {

  /** The header a member sends its data's thisUpdate in (seconds since the epoch). */
  public static final String HEADER = "Revocation-Data-This-Update";

  /**
   * From a one-certificate answer and its {@link #HEADER} value (null: unknown, read as the epoch):
   * the data's thisUpdate, and the answer's signer certificate (or responder ID).
   */
  public static AnswerData of(BasicOCSPResp basic, String header) {
    Instant thisUpdate = Instant.EPOCH;
    if (header != null) {
      try {
        thisUpdate = Instant.ofEpochSecond(Long.parseLong(header.trim()));
      } catch (NumberFormatException unreadable) {
        // something between rewrote it: known as nothing newer than the epoch
      }
    }
    try {
      X509CertificateHolder[] certs = basic.getCerts();
      byte[] who =
          certs.length > 0
              ? certs[0].getEncoded()
              : basic.getResponderId().toASN1Primitive().getEncoded();
      return new AnswerData(
          thisUpdate,
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(who), 0, 12));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot encode the answer's signer", e);
    }
  }

  /** Calls told, for each member and configuration, what a passing health probe's answer said. */
  @FunctionalInterface
  public interface Listener {
    void probed(String member, String configuration, AnswerData data);
  }
}
