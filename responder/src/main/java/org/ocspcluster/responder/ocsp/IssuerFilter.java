package org.ocspcluster.responder.ocsp;

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

  @Override
  public CompletableFuture<Answer> answer(OcspRequest request) {
    ServedCa ca = index.find(request.ids().get(0));
    boolean sameCa = true;
    boolean noneServed = true;
    for (CertificateID id : request.ids()) {
      ServedCa found = index.find(id);
      sameCa &= found == ca;
      noneServed &= found == null;
    }
    if (noneServed) {
      return notServed.answer(request);
    }
    if (!sameCa) {
      return CompletableFuture.completedFuture(UnknownIssuerPolicy.unauthorized());
    }
    return served.answer(request.servedBy(ca));
  }
}
