package org.ocspcluster.testing;

import java.math.BigInteger;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/** Builds OCSP requests the way clients do, and reads responses, for tests. */
public final class OcspRequests {
  private OcspRequests() {}

  public static CertificateID certId(
      ASN1ObjectIdentifier hash, X509CertificateHolder issuer, BigInteger serial) throws Exception {
    DigestCalculator digest =
        new JcaDigestCalculatorProviderBuilder().build().get(new AlgorithmIdentifier(hash));
    return new CertificateID(digest, issuer, serial);
  }

  public static CertificateID sha1(X509CertificateHolder issuer, BigInteger serial)
      throws Exception {
    return new CertificateID(
        new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
        issuer,
        serial);
  }

  public static byte[] request(CertificateID... ids) throws Exception {
    OCSPReqBuilder builder = new OCSPReqBuilder();
    for (CertificateID id : ids) {
      builder.addRequest(id);
    }
    return builder.build().getEncoded();
  }

  public static byte[] requestWithNonce(byte[] nonce, CertificateID id) throws Exception {
    Extension extension =
        new Extension(
            OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
            false,
            new DEROctetString(new DEROctetString(nonce)));
    return new OCSPReqBuilder()
        .addRequest(id)
        .setRequestExtensions(new Extensions(extension))
        .build()
        .getEncoded();
  }

  public static BasicOCSPResp basic(byte[] response) throws Exception {
    OCSPResp resp = new OCSPResp(response);
    if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
      throw new AssertionError("OCSP status " + resp.getStatus() + ", expected successful");
    }
    return (BasicOCSPResp) resp.getResponseObject();
  }

  public static int status(byte[] response) throws Exception {
    return new OCSPResp(response).getStatus();
  }
}
