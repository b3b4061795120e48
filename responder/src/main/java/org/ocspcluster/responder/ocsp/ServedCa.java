package org.ocspcluster.responder.ocsp;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.responder.revocation.RevocationSource;
import org.ocspcluster.responder.signing.ResponseSigner;

/**
 * One revocation configuration at run time: the CA, what says the status, who signs, and how long a
 * signed response may be valid. The signer can be replaced while serving ("Assign Signing
 * Certificate"); responses signed by the previous one are then re-signed.
 */
public final class ServedCa {
  private final String name;
  private final X509CertificateHolder ca;
  private final RevocationSource source;
  private final ResponseWindows windows;
  private final AtomicReference<ResponseSigner> signer;
  private final java.util.concurrent.atomic.AtomicLong signerGeneration =
      new java.util.concurrent.atomic.AtomicLong();

  public ServedCa(
      String name,
      X509CertificateHolder ca,
      RevocationSource source,
      ResponseSigner signer,
      ResponseWindows windows) {
    this.name = name;
    this.ca = ca;
    this.source = source;
    this.signer = new AtomicReference<>(signer);
    this.windows = windows;
  }

  public ServedCa(
      String name,
      X509CertificateHolder ca,
      RevocationSource source,
      ResponseSigner signer,
      Duration responseValidity) {
    this(
        name,
        ca,
        source,
        signer,
        responseValidity == null
            ? ResponseWindows.UNTIL_NEXT_UPDATE
            : new ResponseWindows(responseValidity, false));
  }

  public ServedCa(
      String name, X509CertificateHolder ca, RevocationSource source, ResponseSigner signer) {
    this(name, ca, source, signer, ResponseWindows.UNTIL_NEXT_UPDATE);
  }

  public String name() {
    return name;
  }

  public X509CertificateHolder ca() {
    return ca;
  }

  public RevocationSource source() {
    return source;
  }

  public ResponseSigner signer() {
    return signer.get();
  }

  /** The thisUpdate and nextUpdate its responses carry, and when they are signed anew. */
  public ResponseWindows windows() {
    return windows;
  }

  /**
   * Puts {@code next} in force only if {@code expected} still is: false when another signer was
   * assigned meanwhile.
   */
  public boolean replace(ResponseSigner expected, ResponseSigner next) {
    if (!signer.compareAndSet(expected, next)) {
      return false;
    }
    signerGeneration.incrementAndGet();
    return true;
  }

  /** Puts a new signer in force; responses signed before are no longer served. */
  public void assign(ResponseSigner next) {
    signer.set(next);
    signerGeneration.incrementAndGet();
  }

  /** Changes whenever what a response of this CA would say, or who would sign it, changes. */
  long version() {
    return source.generation() * 1_000_003L + signerGeneration.get();
  }
}
