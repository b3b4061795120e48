package org.ocspcluster.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Locale;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small PKI made at run time with Bouncy Castle: a root CA, a delegated OCSP signer (EKU
 * OCSPSigning, id-pkix-ocsp-nocheck), a good and a revoked (keyCompromise) leaf whose AIA names the
 * cluster's OCSP URI, and the CA's CRL. For the demo cluster and for tests; nothing here is meant
 * to protect anything.
 */
public final class DemoPki {

  /** Key types the demo can make. */
  public enum KeyType {
    EC,
    RSA;

    public static KeyType parse(String text) {
      return valueOf(text.toUpperCase(Locale.ROOT));
    }
  }

  public static final Duration CRL_VALIDITY = Duration.ofDays(30);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyType keyType;
  private final KeyPair caKeys;
  private final X509CertificateHolder ca;
  private final KeyPair signerKeys;
  private final X509CertificateHolder signer;
  private final X509CertificateHolder good;
  private final X509CertificateHolder revoked;
  private final Instant revokedAt;
  private final X509CRLHolder crl;

  private DemoPki(KeyType keyType, String ocspUri, Instant now)
      throws GeneralSecurityException, IOException {
    this.keyType = keyType;
    Instant start = now.minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
    caKeys = keyPair(keyType);
    X500Name caName = new X500Name("CN=ocsp-cluster demo root CA,O=ocsp-cluster demo");
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder caBuilder =
        new JcaX509v3CertificateBuilder(
                caName,
                serial(),
                Date.from(start),
                Date.from(start.plus(Duration.ofDays(3650))),
                caName,
                caKeys.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
            .addExtension(
                Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
            .addExtension(
                Extension.subjectKeyIdentifier,
                false,
                ext.createSubjectKeyIdentifier(caKeys.getPublic()));
    ca = caBuilder.build(signerFor(caKeys));

    signerKeys = keyPair(keyType);
    signer =
        new JcaX509v3CertificateBuilder(
                caName,
                serial(),
                Date.from(start),
                Date.from(start.plus(Duration.ofDays(365))),
                new X500Name("CN=ocsp-cluster demo OCSP signer,O=ocsp-cluster demo"),
                signerKeys.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
            .addExtension(
                Extension.extendedKeyUsage,
                false,
                new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning))
            .addExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck, false, DERNull.INSTANCE)
            .addExtension(
                Extension.authorityKeyIdentifier,
                false,
                ext.createAuthorityKeyIdentifier(caKeys.getPublic()))
            .addExtension(
                Extension.subjectKeyIdentifier,
                false,
                ext.createSubjectKeyIdentifier(signerKeys.getPublic()))
            .build(signerFor(caKeys));

    good = leaf("good", ocspUri, start, ext);
    revoked = leaf("revoked", ocspUri, start, ext);
    revokedAt = start.plus(Duration.ofMinutes(10));
    crl = crl(now);
  }

  /** A new PKI whose leaves name {@code http://FQDN:PORT/} as their OCSP responder. */
  public static DemoPki create(String fqdn, int port, KeyType keyType) {
    try {
      return new DemoPki(keyType, "http://" + fqdn + ":" + port + "/", Instant.now());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make the demo PKI", e);
    }
  }

  /**
   * Writes {@code ca.pem}, {@code ca.key}, {@code ocsp-signer.pem}, {@code ocsp-signer.key}, {@code
   * good.pem}, {@code revoked.pem} and {@code ca.crl} into {@code dir}; keys with mode 0600.
   */
  public void writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Pem.write(dir.resolve("ca.pem"), ca);
    Pem.writePrivateKey(dir.resolve("ca.key"), caKeys.getPrivate());
    Pem.write(dir.resolve("ocsp-signer.pem"), signer);
    Pem.writePrivateKey(dir.resolve("ocsp-signer.key"), signerKeys.getPrivate());
    Pem.write(dir.resolve("good.pem"), good);
    Pem.write(dir.resolve("revoked.pem"), revoked);
    Pem.write(dir.resolve("ca.crl"), crl);
  }

  public X509CertificateHolder ca() {
    return ca;
  }

  public KeyPair caKeys() {
    return caKeys;
  }

  public X509CertificateHolder signer() {
    return signer;
  }

  public KeyPair signerKeys() {
    return signerKeys;
  }

  public X509CertificateHolder good() {
    return good;
  }

  public X509CertificateHolder revoked() {
    return revoked;
  }

  public Instant revokedAt() {
    return revokedAt;
  }

  public X509CRLHolder crl() {
    return crl;
  }

  /**
   * A CRL of this CA issued at {@code thisUpdate}, valid for {@link #CRL_VALIDITY}, revoking {@link
   * #revoked()}.
   */
  public X509CRLHolder crl(Instant thisUpdate) {
    return crl(thisUpdate, thisUpdate.plus(CRL_VALIDITY));
  }

  public X509CRLHolder crl(Instant thisUpdate, Instant nextUpdate) {
    return crl(thisUpdate, nextUpdate, java.util.Map.of());
  }

  /**
   * A CRL revoking {@link #revoked()} (keyCompromise) and every serial in {@code alsoRevoked} with
   * its CRLReason code (e.g. {@link CRLReason#certificateHold}).
   */
  public X509CRLHolder crl(
      Instant thisUpdate, Instant nextUpdate, java.util.Map<BigInteger, Integer> alsoRevoked) {
    try {
      X509v2CRLBuilder builder =
          new X509v2CRLBuilder(
              ca.getSubject(), Date.from(thisUpdate.truncatedTo(ChronoUnit.SECONDS)));
      builder.setNextUpdate(Date.from(nextUpdate.truncatedTo(ChronoUnit.SECONDS)));
      builder.addCRLEntry(revoked.getSerialNumber(), Date.from(revokedAt), CRLReason.keyCompromise);
      alsoRevoked.forEach(
          (serial, reason) ->
              builder.addCRLEntry(serial, Date.from(thisUpdate.minusSeconds(60)), reason));
      builder.addExtension(
          Extension.cRLNumber,
          false,
          new org.bouncycastle.asn1.ASN1Integer(
              BigInteger.valueOf(thisUpdate.truncatedTo(ChronoUnit.SECONDS).getEpochSecond())));
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caKeys.getPublic()));
      return builder.build(signerFor(caKeys));
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot issue the demo CRL", e);
    }
  }

  /**
   * A delta CRL on the base CRL issued at {@code baseThisUpdate} (whose number is its epoch
   * second): each serial with its CRLReason code, removeFromCRL included.
   */
  public X509CRLHolder deltaCrl(
      Instant baseThisUpdate,
      Instant thisUpdate,
      Instant nextUpdate,
      java.util.Map<BigInteger, Integer> entries) {
    try {
      X509v2CRLBuilder builder =
          new X509v2CRLBuilder(
              ca.getSubject(), Date.from(thisUpdate.truncatedTo(ChronoUnit.SECONDS)));
      builder.setNextUpdate(Date.from(nextUpdate.truncatedTo(ChronoUnit.SECONDS)));
      entries.forEach(
          (serial, reason) ->
              builder.addCRLEntry(serial, Date.from(thisUpdate.minusSeconds(60)), reason));
      builder.addExtension(
          Extension.cRLNumber,
          false,
          new org.bouncycastle.asn1.ASN1Integer(BigInteger.valueOf(thisUpdate.getEpochSecond())));
      builder.addExtension(
          Extension.deltaCRLIndicator,
          true,
          new org.bouncycastle.asn1.ASN1Integer(
              BigInteger.valueOf(baseThisUpdate.truncatedTo(ChronoUnit.SECONDS).getEpochSecond())));
      return builder.build(signerFor(caKeys));
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot issue the demo delta CRL", e);
    }
  }

  private X509CertificateHolder leaf(
      String label, String ocspUri, Instant start, JcaX509ExtensionUtils ext)
      throws GeneralSecurityException, CertIOException {
    KeyPair keys = keyPair(keyType);
    String host = label + ".demo.ocsp-cluster.test";
    return new JcaX509v3CertificateBuilder(
            ca.getSubject(),
            serial(),
            Date.from(start),
            Date.from(start.plus(Duration.ofDays(365))),
            new X500Name("CN=" + host),
            keys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        // An RSA TLS server key may be used for key transport: NSS refuses one without
        // keyEncipherment before it asks OCSP.
        .addExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(
                keyType == KeyType.RSA
                    ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                    : KeyUsage.digitalSignature))
        .addExtension(
            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
        .addExtension(
            Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
        .addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(new GeneralName(GeneralName.dNSName, host)))
        .addExtension(
            Extension.authorityKeyIdentifier,
            false,
            ext.createAuthorityKeyIdentifier(caKeys.getPublic()))
        .addExtension(
            Extension.authorityInfoAccess,
            false,
            new AuthorityInformationAccess(
                new AccessDescription(
                    AccessDescription.id_ad_ocsp,
                    new GeneralName(GeneralName.uniformResourceIdentifier, ocspUri))))
        .build(signerFor(caKeys));
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).setBit(120);
  }

  private static KeyPair keyPair(KeyType type) throws GeneralSecurityException {
    if (type == KeyType.RSA) {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048, RANDOM);
      return generator.generateKeyPair();
    }
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static ContentSigner signerFor(KeyPair keys) {
    String algorithm =
        keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    try {
      return new JcaContentSignerBuilder(algorithm).build(keys.getPrivate());
    } catch (OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }
}
