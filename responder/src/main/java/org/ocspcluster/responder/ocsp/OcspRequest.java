package org.ocspcluster.responder.ocsp;

import java.util.List;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.ocsp.CertificateID;

/**
 * A parsed OCSP request as it travels down the response sources: its raw bytes (a cache may key on
 * them), the CertIDs asked, the nonce if any, and, once the issuer filter has found it, the
 * configuration that answers (null before).
 */
record OcspRequest(byte[] der, List<CertificateID> ids, Extension nonce, ServedCa ca) {

  OcspRequest {
    ids = List.copyOf(ids);
  }

  /** The same request, to be answered by {@code issuer}. */
  OcspRequest servedBy(ServedCa issuer) {
    return new OcspRequest(der, ids, nonce, issuer);
  }

  /** RFC 5019: no nonce and one CertID, so one pre-produced response fits every such request. */
  boolean preProducible() {
    return nonce == null && ids.size() == 1;
  }
}
