package org.ocspcluster.responder.revocation;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.ocspcluster.responder.pki.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocation data from a CA's CRL file. A CRL is taken only once its signature verifies against the
 * CA and its issuer is the CA; a CRL that fails to load, parse or verify is refused and the last
 * good one stays in force.
 */
public final class CrlRevocationSource implements RevocationSource {
  private static final Logger LOG = LoggerFactory.getLogger(CrlRevocationSource.class);

  private final String name;
  private final Path file;
  private final X509CertificateHolder ca;
  private final AtomicReference<Snapshot> current = new AtomicReference<>();
  private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

  private record Snapshot(Instant thisUpdate, Instant nextUpdate, BigInteger crlNumber,
      Map<BigInteger, CertStatus.Revoked> revoked) {}

  public CrlRevocationSource(String name, Path file, X509CertificateHolder ca) {
    this.name = name;
    this.file = file;
    this.ca = ca;
  }

  /**
   * Loads the file again. Returns true when a CRL was taken; on any failure logs why, keeps the
   * last good CRL and returns false.
   */
  public boolean refresh() {
    Snapshot loaded;
    try {
      loaded = load(Pem.readCrl(file));
    } catch (IOException | RuntimeException | InvalidCrlException e) {
      LOG.warn("revocation configuration \"{}\": CRL {} refused, keeping the last good one: {}",
          name, file, e.getMessage());
      return false;
    }
    Snapshot previous = current.get();
    if (previous != null && loaded.thisUpdate().isBefore(previous.thisUpdate())) {
      LOG.warn("revocation configuration \"{}\": CRL {} is older (thisUpdate {}) than the one in force ({}); kept the newer",
          name, file, loaded.thisUpdate(), previous.thisUpdate());
      return false;
    }
    current.set(loaded);
    if (previous == null || !previous.thisUpdate().equals(loaded.thisUpdate())) {
      generation.incrementAndGet();
      LOG.info("revocation configuration \"{}\": CRL loaded from {} ({} revoked, thisUpdate {}, nextUpdate {})",
          name, file, loaded.revoked().size(), loaded.thisUpdate(), loaded.nextUpdate());
    }
    return true;
  }

  @Override
  public long generation() {
    return generation.get();
  }

  @Override
  public Instant nextUpdate() {
    Snapshot s = current.get();
    return s == null ? null : s.nextUpdate();
  }

  @Override
  public StatusAnswer status(BigInteger serial, Instant now) throws RevocationDataUnavailable {
    Snapshot s = current.get();
    if (s == null) {
      throw new RevocationDataUnavailable("no CRL has been loaded from " + file);
    }
    if (s.nextUpdate() != null && !now.isBefore(s.nextUpdate())) {
      throw new RevocationDataUnavailable("the CRL expired at " + s.nextUpdate() + " and no newer one was loaded");
    }
    CertStatus.Revoked revoked = s.revoked().get(serial);
    return new StatusAnswer(revoked == null ? CertStatus.GOOD : revoked, s.thisUpdate(), s.nextUpdate());
  }

  private Snapshot load(X509CRLHolder crl) throws InvalidCrlException {
    if (!crl.getIssuer().equals(ca.getSubject())) {
      throw new InvalidCrlException("its issuer \"" + crl.getIssuer() + "\" is not the CA \"" + ca.getSubject() + "\"");
    }
    try {
      if (!crl.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca))) {
        throw new InvalidCrlException("its signature does not verify with the CA's key");
      }
    } catch (OperatorCreationException | org.bouncycastle.cert.CertException | java.security.cert.CertificateException e) {
      throw new InvalidCrlException("its signature cannot be checked: " + e.getMessage());
    }
    if (crl.getNextUpdate() == null) {
      throw new InvalidCrlException("it has no nextUpdate, so its freshness cannot be judged");
    }
    Map<BigInteger, CertStatus.Revoked> revoked = new HashMap<>();
    for (Object o : crl.getRevokedCertificates()) {
      X509CRLEntryHolder entry = (X509CRLEntryHolder) o;
      int reason = -1;
      Extension reasonExtension = entry.getExtension(Extension.reasonCode);
      if (reasonExtension != null) {
        reason = CRLReason.getInstance(reasonExtension.getParsedValue()).getValue().intValue();
      }
      if (reason == CRLReason.removeFromCRL) {
        continue;
      }
      revoked.put(entry.getSerialNumber(), new CertStatus.Revoked(entry.getRevocationDate().toInstant(), reason));
    }
    Extension number = crl.getExtension(Extension.cRLNumber);
    BigInteger crlNumber = number == null ? null
        : org.bouncycastle.asn1.ASN1Integer.getInstance(number.getParsedValue()).getValue();
    return new Snapshot(crl.getThisUpdate().toInstant(), crl.getNextUpdate().toInstant(), crlNumber, Map.copyOf(revoked));
  }

  private static final class InvalidCrlException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidCrlException(String message) {
      super(message);
    }
  }
}
