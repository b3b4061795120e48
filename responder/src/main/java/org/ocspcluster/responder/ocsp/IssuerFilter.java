package org.ocspcluster.responder.ocsp;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.cert.ocsp.CertificateID;

/**
 * Passes on only requests whose every CertID belongs to one served CA, naming that CA. One response
 * has one signer, so CertIDs of two CAs are {@code unauthorized}; CertIDs of no served CA go to the
 * unknown-issuer policy.
 */
final class IssuerFilter implements ResponseSource {
  private final IssuerIndex index;
  private final ResponseSource served;
  private final ResponseSource notServed;

  IssuerFilter(IssuerIndex index, ResponseSource served, ResponseSource notServed) {
    this.index = index;
    this.served = served;
    this.notServed = notServed;
  }

  /**
   * The request named with the one served CA all its CertIDs belong to; null when they belong to no
   * served CA or to several.
   */
  OcspRequest resolve(OcspRequest request) {
    List<CertificateID> ids = request.ids();
    ServedCa ca = index.find(ids.get(0));
    if (ca == null) {
      return null;
    }
    for (int i = 1; i < ids.size(); i++) {
      if (index.find(ids.get(i)) != ca) {
        return null;
      }
    }
    return request.servedBy(ca);
  }

  /** A request already named with its CA (by {@link #resolve}, for this index) goes straight on. */
  @Override
  public CompletableFuture<Answer> answer(OcspRequest request) {
    if (request.ca() != null) {
      return served.answer(request);
    }
    OcspRequest resolved = resolve(request);
    if (resolved != null) {
      return served.answer(resolved);
    }
    for (CertificateID id : request.ids()) {
      if (index.find(id) != null) {
        // One response has one signer: CertIDs of two CAs, or of a served and an unserved one.
        return CompletableFuture.completedFuture(UnknownIssuerPolicy.unauthorized());
      }
    }
    return notServed.answer(request);
  }
}
