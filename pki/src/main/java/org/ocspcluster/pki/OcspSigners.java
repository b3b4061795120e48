package org.ocspcluster.pki;

import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * RFC 6960 4.2.2.2: who may sign a CA's OCSP answers. The responder checks its own signer with this
 * before it signs anything; the health probe checks the signer of every answer it hears; both must
 * agree, or a member would pass its probes with a signer clients reject.
 */
public final class OcspSigners {
  private OcspSigners() {}

  /**
   * Null when {@code signer} is a delegated OCSP signer of {@code ca}: issued by it (name and
   * signature) and carrying the OCSPSigning extended key usage; else why not, in words.
   */
  public static String delegationProblem(X509CertificateHolder signer, X509CertificateHolder ca) {
    if (!signer.getIssuer().equals(ca.getSubject())) {
      return "\""
          + signer.getSubject()
          + "\" is not issued by the CA \""
          + ca.getSubject()
          + "\"; clients would reject its answers";
    }
    try {
      if (!signer.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca))) {
        return "\""
            + signer.getSubject()
            + "\" has a signature that does not verify with the CA's key";
      }
    } catch (Exception e) {
      return "\"" + signer.getSubject() + "\" cannot be checked against the CA: " + e.getMessage();
    }
    ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(signer.getExtensions());
    if (eku == null || !eku.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)) {
      return "\""
          + signer.getSubject()
          + "\" lacks the OCSPSigning extended key usage; clients would reject its answers";
    }
    return null;
  }
}
