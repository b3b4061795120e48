package org.ocspcluster.responder.signing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.ocspcluster.config.SigningToken;
import org.ocspcluster.pki.Pem;

/**
 * The enrolment step for a key that lives in a PKCS#11 token: the key pair is made inside the token
 * (sensitive, never extractable) and the PKCS#10 request is signed there. Until {@link #install} or
 * {@link #keep} labels it, the key is a handle held here; {@link #discard} destroys a key that
 * never became a signer.
 */
public final class TokenRequest {
  private final SigningToken token;
  private final TokenKey.Generated generated;
  private final Path request;
  private final X500Name subject;

  /** The CA's certificate {@link #install} put beside the key, or null. */
  private X509CertificateHolder installed;

  private TokenRequest(
      SigningToken token, TokenKey.Generated generated, Path request, X500Name subject) {
    this.token = token;
    this.generated = generated;
    this.request = request;
    this.subject = subject;
  }

  /**
   * Makes the key in {@code token} (the one of its slot, else the one holding its key label) and
   * writes {@code <prefix>.csr} into {@code dir}.
   *
   * @param keyType {@code ec} (P-256) or {@code rsa} (3072 bits)
   */
  public static TokenRequest write(
      SigningToken token,
      String keyType,
      Path dir,
      String prefix,
      String member,
      String configuration,
      String cluster)
      throws IOException, SignerException {
    TokenKey.Generated generated = TokenKey.generate(token, keyType);
    X500Name subject = SignerRequest.subject(member, configuration, cluster);
    Path file = dir.resolve(prefix + ".csr");
    try {
      Files.createDirectories(dir);
      Pem.write(
          file,
          SignerRequest.request(
              subject, generated.publicKey(), generated.key(), generated.provider()));
    } catch (IOException | OperatorCreationException | RuntimeException e) {
      TokenRequest made = new TokenRequest(token, generated, file, subject);
      made.discard();
      throw new IOException("cannot make the signing request in the token: " + e.getMessage(), e);
    }
    return new TokenRequest(token, generated, file, subject);
  }

  public Path request() {
    return request;
  }

  public X500Name subject() {
    return subject;
  }

  /**
   * A signer of this key with {@code certificate}, checked as a member checks any (issued by the
   * CA, OCSPSigning, key match, valid now); not yet labelled in the token.
   */
  public ResponseSigner signer(
      X509CertificateHolder certificate, X509CertificateHolder ca, boolean byName)
      throws SignerException {
    return new ResponseSigner(
        certificate, generated.key(), ca, byName, generated.provider(), generated.sessions());
  }

  /**
   * Labels the key {@code alias} in the token with the CA's {@code certificate} beside it, so that
   * a member finds it under that {@code keyLabel}. A key and certificate that had that label are
   * destroyed: put the new signer in force first.
   */
  public void install(String alias, X509CertificateHolder certificate) throws SignerException {
    TokenKey.install(generated, token, alias, certificate);
    installed = certificate;
  }

  /** The label a renewed key has until it takes over {@code label} ({@link #takeOver}). */
  public static String renewing(String label) {
    return TokenKey.renewing(label);
  }

  /**
   * Makes the key, installed under {@link #renewing renewing(label)}, the one under {@code label}:
   * the key and certificate there are destroyed first (put the new signer in force before). A
   * process stopped in between is completed when the token is next opened for {@code label}.
   */
  public void takeOver(String label) throws SignerException {
    if (installed == null) {
      throw new IllegalStateException("install the key under renewing(label) first");
    }
    if (TokenKey.contains(generated.provider(), token, label)) {
      TokenKey.delete(generated, token, label);
    }
    TokenKey.install(generated, token, label, installed);
  }

  /**
   * Destroys what an earlier renewal left under {@link #renewing renewing(token.keyLabel())} while
   * the key under the label is still there (it stopped before putting the new key in force).
   */
  public static void clearLeftover(SigningToken token) throws SignerException {
    TokenKey.Opened opened = TokenKey.open(token);
    String renewing = renewing(token.keyLabel());
    if (TokenKey.contains(opened.provider(), token, renewing)) {
      TokenKey.delete(opened.provider(), token, renewing);
    }
  }

  /**
   * Labels the key {@code alias} with a self-signed placeholder certificate (SunPKCS11 sees a key
   * only beside a certificate) while the CA decides: a member then signs with it given the CA's
   * certificate as {@code signingCertificate}. The placeholder itself is never a signer: the CA did
   * not issue it.
   */
  public void keep(String alias) throws SignerException {
    if (TokenKey.contains(generated.provider(), token, alias)) {
      throw new SignerException(
          "the token already holds a key or certificate labelled \""
              + alias
              + "\" (a signer in force, perhaps): choose another --key-label");
    }
    TokenKey.install(generated, token, alias, placeholder());
  }

  /**
   * Puts the CA's {@code certificate} beside the key labelled {@code token.keyLabel()} (in place of
   * the placeholder {@link #keep} put there), once it is the certificate of that key.
   */
  public static void storeCertificate(SigningToken token, X509CertificateHolder certificate)
      throws SignerException {
    TokenKey.Opened opened = TokenKey.open(token);
    if (opened.certificate() == null
        || !opened
            .certificate()
            .getSubjectPublicKeyInfo()
            .equals(certificate.getSubjectPublicKeyInfo())) {
      throw new SignerException(
          "the certificate is not for the key labelled \""
              + token.keyLabel()
              + "\" in the token (its public key differs); nothing was changed");
    }
    TokenKey.install(
        new TokenKey.Generated(opened.provider(), opened.key(), null, opened.sessions()),
        token,
        token.keyLabel(),
        certificate);
  }

  /** Destroys the key and certificate {@link #install} labelled {@code alias}. */
  public void remove(String alias) throws SignerException {
    TokenKey.delete(generated, token, alias);
  }

  /** Destroys the key in the token (it never became a signer). */
  public void discard() throws SignerException {
    TokenKey.discard(generated, token, placeholder());
  }

  private X509CertificateHolder placeholder() throws SignerException {
    Instant now = Instant.now();
    try {
      return new JcaX509v3CertificateBuilder(
              subject,
              BigInteger.valueOf(now.toEpochMilli()),
              Date.from(now.minus(Duration.ofMinutes(1))),
              Date.from(now.plus(Duration.ofDays(3650))),
              subject,
              generated.publicKey())
          .build(
              new JcaContentSignerBuilder(SignerRequest.algorithm(generated.publicKey()))
                  .setProvider(generated.provider())
                  .build(generated.key()));
    } catch (OperatorCreationException | RuntimeException e) {
      throw new SignerException("the token cannot sign a placeholder certificate: " + e);
    }
  }
}
