package org.ocspcluster.responder.signing;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.ocspcluster.pki.OcspSigners;
import org.ocspcluster.pki.Pem;

/**
 * Signs OCSP responses for one CA with a delegated OCSP signing certificate (or the CA's own key).
 * The credential is checked when loaded, so that a member never starts with a signer clients would
 * reject: issued by the CA, OCSPSigning EKU, and a key that matches the certificate.
 *
 * <p>Signing is CPU work: callers run it on a signing executor, never on an event loop.
 */
public final class ResponseSigner {
  private final X509CertificateHolder certificate;
  private final PrivateKey key;
  private final String algorithm;
  private final RespID responderId;
  private final X509CertificateHolder[] chain;

  /** The token's provider for a key in a PKCS#11 token; null for a key in memory. */
  private final java.security.Provider provider;

  /** Why this signer cannot sign now (its token cannot be opened), or null. */
  private final String unavailable;

  /** The token's bound on signatures at once, or null: none but the signing threads. */
  private final java.util.concurrent.Semaphore sessions;

  ResponseSigner(
      X509CertificateHolder certificate, PrivateKey key, X509CertificateHolder ca, boolean byName)
      throws SignerException {
    this(certificate, key, ca, byName, null, null);
  }

  ResponseSigner(
      X509CertificateHolder certificate,
      PrivateKey key,
      X509CertificateHolder ca,
      boolean byName,
      java.security.Provider provider,
      java.util.concurrent.Semaphore sessions)
      throws SignerException {
    this.certificate = certificate;
    this.key = key;
    this.provider = provider;
    this.sessions = sessions;
    this.unavailable = null;
    // From the certificate's key: a token's key handle need not say its size.
    this.algorithm = algorithmFor(publicKey(certificate));
    checkKeyType(certificate, key);
    if (!validNow(certificate)) {
      throw new SignerException(
          "the signing certificate \""
              + certificate.getSubject()
              + "\" is not valid now (valid "
              + certificate.getNotBefore().toInstant()
              + " to "
              + certificate.getNotAfter().toInstant()
              + "); issue a new one (see signer-request)");
    }
    boolean caSigns =
        certificate.getSubject().equals(ca.getSubject())
            && certificate.getSubjectPublicKeyInfo().equals(ca.getSubjectPublicKeyInfo());
    if (!caSigns) {
      checkDelegated(certificate, ca);
    }
    try {
      this.responderId =
          byName
              ? new RespID(certificate.getSubject())
              : new RespID(
                  certificate.getSubjectPublicKeyInfo(),
                  new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1));
    } catch (OperatorCreationException | OCSPException e) {
      throw new SignerException("cannot compute the responder ID: " + e.getMessage());
    }
    // Clients need the delegated certificate to verify; the CA itself they already have.
    this.chain = caSigns ? new X509CertificateHolder[0] : new X509CertificateHolder[] {certificate};
    checkKeyMatches();
  }

  private ResponseSigner(X509CertificateHolder certificate, String unavailable) {
    this.certificate = certificate;
    this.key = null;
    this.provider = null;
    this.sessions = null;
    this.algorithm = null;
    this.responderId = null;
    this.chain = new X509CertificateHolder[0];
    this.unavailable = unavailable;
  }

  /**
   * A signer that cannot sign now, and says why: its answers are {@code tryLater} until a usable
   * signer is assigned. {@code certificate} may be null when it is not known.
   */
  public static ResponseSigner unavailable(X509CertificateHolder certificate, String why) {
    return new ResponseSigner(certificate, why);
  }

  /** Why this signer cannot sign, or null when it can. */
  public String unavailableReason() {
    return unavailable;
  }

  /** True when the key is in a PKCS#11 token. */
  public boolean inToken() {
    return provider != null;
  }

  /**
   * Opens the key labelled {@code token.keyLabel()} in a PKCS#11 token, with {@code
   * certificateFile} as its certificate (or, when null, the token's certificate of that label), and
   * checks it as any credential.
   */
  public static ResponseSigner loadToken(
      org.ocspcluster.config.SigningToken token,
      Path certificateFile,
      X509CertificateHolder ca,
      boolean byName)
      throws SignerException {
    TokenKey.Opened opened = TokenKey.open(token);
    X509CertificateHolder certificate = opened.certificate();
    if (certificateFile != null) {
      try {
        certificate = Pem.readCertificate(certificateFile);
      } catch (IOException e) {
        throw new SignerException("cannot read the signing certificate: " + e.getMessage());
      }
    }
    if (certificate == null) {
      throw new SignerException(
          "the token holds no certificate labelled \""
              + token.keyLabel()
              + "\": give signingCertificate, or store the certificate in the token");
    }
    return new ResponseSigner(
        certificate, opened.key(), ca, byName, opened.provider(), opened.sessions());
  }

  /** Checks and wraps a credential already in memory. */
  public static ResponseSigner create(
      X509CertificateHolder certificate, PrivateKey key, X509CertificateHolder ca)
      throws SignerException {
    return new ResponseSigner(certificate, key, ca, false);
  }

  /** Loads and checks the PEM credential named by a revocation configuration. */
  public static ResponseSigner load(
      Path certificateFile, Path keyFile, X509CertificateHolder ca, boolean byName)
      throws SignerException {
    try {
      return new ResponseSigner(
          Pem.readCertificate(certificateFile), Pem.readPrivateKey(keyFile), ca, byName);
    } catch (IOException e) {
      throw new SignerException("cannot read the signing credential: " + e.getMessage());
    }
  }

  /**
   * Loads and checks a PKCS#12 credential: the first key entry whose certificate is the CA's own or
   * was issued by the CA. {@code passwordFile} may be null for a keystore without a password.
   */
  public static ResponseSigner loadPkcs12(
      Path keystore, Path passwordFile, X509CertificateHolder ca, boolean byName)
      throws SignerException {
    char[] password;
    try {
      password =
          passwordFile == null
              ? new char[0]
              : java.nio.file.Files.readString(passwordFile).strip().toCharArray();
    } catch (IOException e) {
      throw new SignerException(
          "cannot read the keystore password file " + passwordFile + ": " + e.getMessage());
    }
    try (var in = java.nio.file.Files.newInputStream(keystore)) {
      java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
      store.load(in, password);
      for (String alias : java.util.Collections.list(store.aliases())) {
        if (!store.isKeyEntry(alias)) {
          continue;
        }
        java.security.cert.Certificate cert = store.getCertificate(alias);
        X509CertificateHolder holder = new X509CertificateHolder(cert.getEncoded());
        if (holder.getIssuer().equals(ca.getSubject())) {
          return new ResponseSigner(holder, (PrivateKey) store.getKey(alias, password), ca, byName);
        }
      }
      throw new SignerException(
          "the keystore "
              + keystore
              + " holds no key whose certificate was issued by \""
              + ca.getSubject()
              + "\"");
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new SignerException(
          "cannot read the keystore "
              + keystore
              + ": "
              + e.getMessage()
              + " (is signingKeystorePasswordFile right?)");
    } finally {
      java.util.Arrays.fill(password, '\0');
    }
  }

  public RespID responderId() {
    return responderId;
  }

  public X509CertificateHolder certificate() {
    return certificate;
  }

  /**
   * False before the signing certificate's notBefore or after its notAfter, or while the signer
   * cannot sign ({@link #unavailableReason}).
   */
  public boolean validAt(Instant now) {
    return unavailable == null && certificate.isValidOn(Date.from(now));
  }

  /**
   * Signs what {@code builder} holds, with producedAt {@code now} (whole seconds, as RFC 5280 times
   * are).
   */
  public BasicOCSPResp sign(BasicOCSPRespBuilder builder, Instant now) throws OCSPException {
    java.util.concurrent.Semaphore bound = sessions;
    if (bound != null) {
      try {
        bound.acquire(); // a signing thread waits for one of the token's sessions
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OCSPException("interrupted waiting for a session of the signing token", e);
      }
    }
    try {
      return builder.build(contentSigner(), chain, Date.from(now.truncatedTo(ChronoUnit.SECONDS)));
    } catch (OperatorCreationException e) {
      throw new OCSPException("cannot create a signer for " + algorithm, e);
    } finally {
      if (bound != null) {
        bound.release();
      }
    }
  }

  /**
   * Makes one signature with the key, and throws if it cannot: a token opened again is put in force
   * only once it signs.
   */
  public void selfTest() throws SignerException {
    if (unavailable != null) {
      throw new SignerException(unavailable);
    }
    java.util.concurrent.Semaphore bound = sessions;
    try {
      if (bound != null) {
        bound.acquire();
      }
      try {
        ContentSigner signer = contentSigner();
        signer.getOutputStream().write(new byte[32]);
        signer.getSignature();
      } finally {
        if (bound != null) {
          bound.release();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SignerException("interrupted waiting for a session of the signing token");
    } catch (OperatorCreationException | IOException | RuntimeException e) {
      throw new SignerException("the key does not sign: " + e);
    }
  }

  /** The token's bound on signatures at once, or null: for tests and the status. */
  java.util.concurrent.Semaphore sessions() {
    return sessions;
  }

  /** A content signer of the key: inside its token when it is in one. */
  private ContentSigner contentSigner() throws OperatorCreationException {
    JcaContentSignerBuilder builder = new JcaContentSignerBuilder(algorithm);
    if (provider != null) {
      builder.setProvider(provider);
    }
    return builder.build(key);
  }

  private static java.security.PublicKey publicKey(X509CertificateHolder certificate)
      throws SignerException {
    try {
      return new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
          .getPublicKey(certificate.getSubjectPublicKeyInfo());
    } catch (IOException e) {
      throw new SignerException("cannot read the signing certificate's key: " + e.getMessage());
    }
  }

  static String algorithmFor(java.security.Key key) throws SignerException {
    if (key instanceof RSAKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits < 2048) {
        throw new SignerException("the RSA key has " + bits + " bits; at least 2048 are required");
      }
      return "SHA256withRSA";
    }
    if (key instanceof ECKey ec) {
      int bits = ec.getParams().getOrder().bitLength();
      return bits > 384 ? "SHA512withECDSA" : bits > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
    }
    throw new SignerException(
        "the key's algorithm " + key.getAlgorithm() + " is not supported (use RSA or ECDSA)");
  }

  /**
   * Null when this signer may sign under the CA/Browser Forum Baseline Requirements, else why not:
   * a delegated signer must carry id-pkix-ocsp-nocheck (BR 7.1.2.8) and not be signed with SHA-1.
   */
  public String baselineRequirementsProblem() {
    if (chain.length == 0) {
      return null;
    }
    if (certificate.getExtension(
            org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers.id_pkix_ocsp_nocheck)
        == null) {
      return "the delegated signing certificate \""
          + certificate.getSubject()
          + "\" lacks id-pkix-ocsp-nocheck, which profile cabforum requires (Baseline"
          + " Requirements 7.1.2.8); issue one with it (signer-request asks for it)";
    }
    String signedWith = certificate.getSignatureAlgorithm().getAlgorithm().getId();
    if (java.util.Set.of("1.2.840.113549.1.1.5", "1.2.840.10045.4.1", "1.2.840.10040.4.3")
        .contains(signedWith)) {
      return "the delegated signing certificate \""
          + certificate.getSubject()
          + "\" is signed with SHA-1, which profile cabforum does not allow; issue one signed"
          + " with SHA-256 or better";
    }
    return null;
  }

  /** An EC key with an RSA certificate (or the other way) is named as such, not a Java error. */
  private static void checkKeyType(X509CertificateHolder certificate, PrivateKey key)
      throws SignerException {
    String oid = certificate.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().getId();
    String inCertificate =
        oid.equals("1.2.840.113549.1.1.1")
            ? "RSA"
            : oid.equals("1.2.840.10045.2.1") ? "EC" : "an unsupported (" + oid + ")";
    String given = key instanceof RSAKey || "RSA".equals(key.getAlgorithm()) ? "RSA" : "EC";
    if (!inCertificate.equals(given)) {
      throw new SignerException(
          "the signing key is an "
              + given
              + " key but the signing certificate \""
              + certificate.getSubject()
              + "\" holds "
              + (inCertificate.length() <= 3 ? "an " + inCertificate : inCertificate)
              + " key; give the key that belongs to that certificate");
    }
  }

  private static void checkDelegated(X509CertificateHolder certificate, X509CertificateHolder ca)
      throws SignerException {
    String problem = OcspSigners.delegationProblem(certificate, ca);
    if (problem != null) {
      throw new SignerException("the signing certificate " + problem);
    }
  }

  private void checkKeyMatches() throws SignerException {
    try {
      byte[] probe = "ocsp-cluster key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      ContentSigner signer = contentSigner();
      signer.getOutputStream().write(probe);
      byte[] signature = signer.getSignature();
      var verifier =
          new JcaContentVerifierProviderBuilder()
              .build(certificate)
              .get(signer.getAlgorithmIdentifier());
      verifier.getOutputStream().write(probe);
      if (!verifier.verify(signature)) {
        throw new SignerException(
            "the signing key does not belong to the signing certificate \""
                + certificate.getSubject()
                + "\"");
      }
    } catch (IOException
        | OperatorCreationException
        | java.security.cert.CertificateException
        | RuntimeException e) {
      throw new SignerException("cannot check the signing key: " + e.getMessage());
    }
  }

  @SuppressWarnings("JavaUtilDate") // Bouncy Castle's validity check takes a Date
  private static boolean validNow(X509CertificateHolder certificate) {
    return certificate.isValidOn(new Date());
  }
}
