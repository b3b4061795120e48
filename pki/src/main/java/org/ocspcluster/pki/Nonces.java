package org.ocspcluster.pki;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;

/**
 * The OCSP nonce extension (RFC 8954): its value is an OCTET STRING inside extnValue. The responder
 * reads it to bound and echo it; the probe writes one and checks the echo; both read it the same
 * way.
 */
public final class Nonces {
  private Nonces() {}

  /** The nonce extension carrying {@code value}. */
  public static Extension extension(byte[] value) {
    try {
      return new Extension(
          OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false, new DEROctetString(value).getEncoded());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a DER OCTET STRING always encodes", e);
    }
  }

  /**
   * The nonce's octets. Some clients put them in extnValue without the inner OCTET STRING; those
   * are taken as they are.
   */
  public static byte[] value(Extension nonce) {
    byte[] value = nonce.getExtnValue().getOctets();
    try {
      return ASN1OctetString.getInstance(value).getOctets();
    } catch (RuntimeException notWrapped) {
      return value;
    }
  }
}
