package org.ocspcluster.responder.signing;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.ocspcluster.pki.Pem;

/**
 * The enrolment step of a member's signing credential: a new key pair, kept on the member, and a
 * PKCS#10 request asking the CA for exactly what an OCSP signer needs (digitalSignature, EKU
 * OCSPSigning, id-pkix-ocsp-nocheck). The CA decides; the request only asks.
 */
public final class SignerRequest {
  private SignerRequest() {}

  /** What was written. */
  public record Written(Path key, Path request, X500Name subject) {}

  /**
   * Writes {@code <prefix>.key} (mode 0600) and {@code <prefix>.csr} into {@code dir}.
   *
   * @param keyType {@code ec} (P-256) or {@code rsa} (3072 bits)
   */
  public static Written write(
      Path dir, String prefix, String member, String configuration, String cluster, String keyType)
      throws IOException {
    try {
      KeyPair keys = generate(keyType);
      X500Name subject = subject(member, configuration, cluster);
      PKCS10CertificationRequest request =
          request(subject, keys.getPublic(), keys.getPrivate(), null);
      java.nio.file.Files.createDirectories(dir);
      Path keyFile = dir.resolve(prefix + ".key");
      Path requestFile = dir.resolve(prefix + ".csr");
      Pem.writePrivateKey(keyFile, keys.getPrivate());
      Pem.write(requestFile, request);
      return new Written(keyFile, requestFile, subject);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot make the signing request: " + e.getMessage(), e);
    }
  }

  static X500Name subject(String member, String configuration, String cluster) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.CN, member + " OCSP signer for " + configuration)
        .addRDN(BCStyle.O, cluster)
        .build();
  }

  /**
   * The PKCS#10 request for an OCSP signer's key, signed with that key ({@code provider}: the
   * token's, for a key inside one; null for a key in memory).
   */
  static PKCS10CertificationRequest request(
      X500Name subject,
      java.security.PublicKey publicKey,
      java.security.PrivateKey privateKey,
      java.security.Provider provider)
      throws IOException, OperatorCreationException {
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    extensions.addExtension(
        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning));
    extensions.addExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck, false, DERNull.INSTANCE);
    JcaContentSignerBuilder signer = new JcaContentSignerBuilder(algorithm(publicKey));
    if (provider != null) {
      signer.setProvider(provider);
    }
    return new JcaPKCS10CertificationRequestBuilder(subject, publicKey)
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
        .build(signer.build(privateKey));
  }

  /** From the public key: a token's private key handle need not say its algorithm. */
  static String algorithm(java.security.PublicKey publicKey) {
    return publicKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
  }

  private static KeyPair generate(String keyType) throws GeneralSecurityException {
    if ("rsa".equalsIgnoreCase(keyType)) {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(3072);
      return generator.generateKeyPair();
    }
    if (!"ec".equalsIgnoreCase(keyType)) {
      throw new java.security.InvalidAlgorithmParameterException(
          "key type must be ec or rsa, not " + keyType);
    }
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
