package org.ocspcluster.responder.revocation;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.ocspcluster.config.Location;
import org.ocspcluster.pki.Pem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocation data from a CA's CRL, and optionally its delta CRL, each a file or an http(s) URL. A
 * CRL is taken only once its issuer is the CA and its signature verifies with the CA's key; a CRL
 * that fails to load, parse or verify is refused and the last good data stays in force. A delta is
 * applied on top of the base it names: its entries revoke (certificateHold included), and its
 * removeFromCRL entries end a hold.
 */
public final class CrlRevocationSource implements RevocationSource {
  private static final Logger LOG = LoggerFactory.getLogger(CrlRevocationSource.class);

  private final String name;
  private final Location base;
  private final Location delta;
  private final X509CertificateHolder ca;
  private final AtomicReference<Snapshot> current = new AtomicReference<>();
  private final AtomicLong generation = new AtomicLong();

  /** Progress of the load under way, 0..1 (1 when idle), for a gauge during long loads. */
  private volatile double loadProgress = 1.0;

  private record Snapshot(
      Instant baseThisUpdate,
      Instant deltaThisUpdate,
      Instant thisUpdate,
      Instant nextUpdate,
      RevokedSerials revoked) {}

  public CrlRevocationSource(String name, Location base, Location delta, X509CertificateHolder ca) {
    this.name = name;
    this.base = base;
    this.delta = delta;
    this.ca = ca;
  }

  public CrlRevocationSource(String name, java.nio.file.Path file, X509CertificateHolder ca) {
    this(name, new Location(file, null), null, ca);
  }

  @Override
  public boolean refresh() {
    try {
      return load();
    } finally {
      loadProgress = 1.0;
    }
  }

  private boolean load() {
    Snapshot loaded;
    try {
      X509CRLHolder baseCrl = verified(base, false);
      X509CRLHolder deltaCrl = delta == null ? null : verified(delta, true);
      loaded = merge(baseCrl, deltaCrl);
    } catch (IOException | RuntimeException | InvalidCrlException e) {
      LOG.warn(
          "revocation configuration \"{}\": CRL refused, keeping the data in force: {}",
          name,
          e.getMessage());
      return false;
    }
    Snapshot previous = current.get();
    if (previous != null && loaded.baseThisUpdate().isBefore(previous.baseThisUpdate())) {
      LOG.warn(
          "revocation configuration \"{}\": CRL {} is older (thisUpdate {}) than the one in force ({}); kept the newer",
          name,
          base,
          loaded.baseThisUpdate(),
          previous.baseThisUpdate());
      return false;
    }
    if (previous != null
        && previous.baseThisUpdate().equals(loaded.baseThisUpdate())
        && Objects.equals(previous.deltaThisUpdate(), loaded.deltaThisUpdate())) {
      return true;
    }
    current.set(loaded);
    generation.incrementAndGet();
    LOG.info(
        "revocation configuration \"{}\": CRL loaded from {}{} ({} revoked, thisUpdate {}, nextUpdate {})",
        name,
        base,
        delta == null ? "" : " with delta " + delta,
        loaded.revoked().size(),
        loaded.thisUpdate(),
        loaded.nextUpdate());
    return true;
  }

  /** How far the load under way is, 0..1; 1 when no load is running. */
  @Override
  public double loadProgress() {
    return loadProgress;
  }

  /** How many certificates the data in force lists as revoked. */
  @Override
  public long revokedCount() {
    Snapshot s = current.get();
    return s == null ? 0 : s.revoked().size();
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
      throw new RevocationDataUnavailable("no CRL has been loaded from " + base);
    }
    if (!now.isBefore(s.nextUpdate())) {
      throw new RevocationDataUnavailable(
          "the CRL expired at " + s.nextUpdate() + " and no newer one was loaded");
    }
    CertStatus.Revoked revoked = s.revoked().get(serial);
    return new StatusAnswer(
        revoked == null ? CertStatus.GOOD : revoked, s.thisUpdate(), s.nextUpdate());
  }

  private X509CRLHolder verified(Location location, boolean expectDelta)
      throws IOException, InvalidCrlException {
    X509CRLHolder crl = Pem.parseCrl(Fetcher.fetch(location), location.toString());
    String what = (expectDelta ? "delta CRL " : "CRL ") + location;
    if (!crl.getIssuer().equals(ca.getSubject())) {
      throw new InvalidCrlException(
          what
              + ": its issuer \""
              + crl.getIssuer()
              + "\" is not the CA \""
              + ca.getSubject()
              + "\"");
    }
    try {
      if (!crl.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca))) {
        throw new InvalidCrlException(what + ": its signature does not verify with the CA's key");
      }
    } catch (OperatorCreationException
        | org.bouncycastle.cert.CertException
        | java.security.cert.CertificateException e) {
      throw new InvalidCrlException(what + ": its signature cannot be checked: " + e.getMessage());
    }
    if (crl.getNextUpdate() == null) {
      throw new InvalidCrlException(
          what + ": it has no nextUpdate, so its freshness cannot be judged");
    }
    boolean isDelta = crl.getExtension(Extension.deltaCRLIndicator) != null;
    if (isDelta != expectDelta) {
      throw new InvalidCrlException(
          what
              + (isDelta
                  ? ": is a delta CRL; name it in deltaCrl and the full CRL in crl"
                  : ": is not a delta CRL (no deltaCRLIndicator)"));
    }
    return crl;
  }

  private Snapshot merge(X509CRLHolder baseCrl, X509CRLHolder deltaCrl) throws InvalidCrlException {
    long started = System.nanoTime();
    try {
      return mergeTimed(baseCrl, deltaCrl);
    } finally {
      long millis = (System.nanoTime() - started) / 1_000_000;
      if (millis > 1000) {
        LOG.info("revocation configuration \"{}\": CRL entries read in {} ms", name, millis);
      }
    }
  }

  private Snapshot mergeTimed(X509CRLHolder baseCrl, X509CRLHolder deltaCrl)
      throws InvalidCrlException {
    Map<BigInteger, CertStatus.Revoked> revoked = new HashMap<>();
    apply(baseCrl, revoked);
    Instant thisUpdate = baseCrl.getThisUpdate().toInstant();
    Instant nextUpdate = baseCrl.getNextUpdate().toInstant();
    Instant deltaThisUpdate = null;
    if (deltaCrl != null) {
      BigInteger baseNumber = number(baseCrl, Extension.cRLNumber);
      BigInteger needs = number(deltaCrl, Extension.deltaCRLIndicator);
      if (baseNumber == null || baseNumber.compareTo(needs) < 0) {
        throw new InvalidCrlException(
            "delta CRL "
                + delta
                + " applies to base CRL number "
                + needs
                + " or later, but the base CRL "
                + base
                + " is number "
                + baseNumber);
      }
      apply(deltaCrl, revoked);
      deltaThisUpdate = deltaCrl.getThisUpdate().toInstant();
      thisUpdate = deltaThisUpdate.isAfter(thisUpdate) ? deltaThisUpdate : thisUpdate;
      Instant deltaNext = deltaCrl.getNextUpdate().toInstant();
      nextUpdate = deltaNext.isBefore(nextUpdate) ? deltaNext : nextUpdate;
    }
    return new Snapshot(
        baseCrl.getThisUpdate().toInstant(),
        deltaThisUpdate,
        thisUpdate,
        nextUpdate,
        RevokedSerials.of(revoked));
  }

  /** Large CRLs log their progress every this many entries. */
  static final int PROGRESS_EVERY = 100_000;

  private void apply(X509CRLHolder crl, Map<BigInteger, CertStatus.Revoked> revoked) {
    java.util.Collection<?> entries = crl.getRevokedCertificates();
    int total = entries.size();
    int done = 0;
    for (Object o : entries) {
      if (++done % PROGRESS_EVERY == 0) {
        LOG.info(
            "revocation configuration \"{}\": reading CRL entries, {} of {}", name, done, total);
      }
      loadProgress = done / (double) total;
      X509CRLEntryHolder entry = (X509CRLEntryHolder) o;
      int reason = -1;
      Extension reasonExtension = entry.getExtension(Extension.reasonCode);
      if (reasonExtension != null) {
        reason = CRLReason.getInstance(reasonExtension.getParsedValue()).getValue().intValue();
      }
      if (reason == CRLReason.removeFromCRL) {
        revoked.remove(entry.getSerialNumber());
      } else {
        revoked.put(
            entry.getSerialNumber(),
            new CertStatus.Revoked(entry.getRevocationDate().toInstant(), reason));
      }
    }
  }

  private static BigInteger number(
      X509CRLHolder crl, org.bouncycastle.asn1.ASN1ObjectIdentifier oid) {
    Extension extension = crl.getExtension(oid);
    return extension == null
        ? null
        : ASN1Integer.getInstance(extension.getParsedValue()).getValue();
  }

  private static final class InvalidCrlException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidCrlException(String message) {
      super(message);
    }
  }
}
