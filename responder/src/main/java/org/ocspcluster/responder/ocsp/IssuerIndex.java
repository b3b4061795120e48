package org.ocspcluster.responder.ocsp;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.cert.ocsp.CertificateID;

/**
 * Finds the configuration a CertID belongs to, by (hash algorithm, issuerNameHash, issuerKeyHash).
 * The hashes of every served CA are computed once, for every supported algorithm, so a lookup is
 * one map access.
 */
final class IssuerIndex {

  static final Map<ASN1ObjectIdentifier, String> DIGESTS =
      Map.of(
          OIWObjectIdentifiers.idSHA1, "SHA-1",
          NISTObjectIdentifiers.id_sha256, "SHA-256",
          NISTObjectIdentifiers.id_sha384, "SHA-384",
          NISTObjectIdentifiers.id_sha512, "SHA-512");

  private final Map<String, ServedCa> byKey = new HashMap<>();

  IssuerIndex(List<ServedCa> served) {
    for (ServedCa ca : served) {
      byte[] name = encoded(ca);
      // issuerKeyHash covers the subjectPublicKey BIT STRING's value only (RFC 6960 4.1.1).
      byte[] key = ca.ca().getSubjectPublicKeyInfo().getPublicKeyData().getBytes();
      DIGESTS.forEach(
          (oid, algorithm) ->
              byKey.put(key(oid, digest(algorithm, name), digest(algorithm, key)), ca));
    }
  }

  /** The configuration that serves {@code id}, or null. */
  ServedCa find(CertificateID id) {
    if (!DIGESTS.containsKey(id.getHashAlgOID())) {
      return null;
    }
    return byKey.get(key(id.getHashAlgOID(), id.getIssuerNameHash(), id.getIssuerKeyHash()));
  }

  private static String key(ASN1ObjectIdentifier oid, byte[] nameHash, byte[] keyHash) {
    HexFormat hex = HexFormat.of();
    return oid.getId() + '/' + hex.formatHex(nameHash) + '/' + hex.formatHex(keyHash);
  }

  private static byte[] encoded(ServedCa ca) {
    try {
      return ca.ca().getSubject().getEncoded("DER");
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot encode the subject of " + ca.name(), e);
    }
  }

  private static byte[] digest(String algorithm, byte[] data) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is missing from this JVM", e);
    }
  }
}
