package org.ocspcluster.responder.ocsp;

import java.nio.file.Path;
import java.time.Instant;
import org.bouncycastle.cert.X509CRLHolder;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.revocation.CrlRevocationSource;
import org.ocspcluster.responder.signing.ResponseSigner;

/** A demo PKI served the way a member serves it: its CRL in a file, its delegated signer. */
public final class TestCa {
  public final DemoPki pki;
  public final Path crlFile;
  public final CrlRevocationSource source;
  public final ServedCa served;

  public TestCa(Path dir, String name) throws Exception {
    pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
    crlFile = dir.resolve(name + ".crl");
    Pem.write(crlFile, pki.crl());
    source = new CrlRevocationSource(name, crlFile, pki.ca());
    if (!source.refresh()) {
      throw new AssertionError("the demo CRL was refused");
    }
    served =
        new ServedCa(
            name,
            pki.ca(),
            source,
            ResponseSigner.create(pki.signer(), pki.signerKeys().getPrivate(), pki.ca()));
  }

  /** Replaces the CRL file with {@code crl} and asks the source to reload it. */
  public boolean publish(X509CRLHolder crl) throws Exception {
    Pem.write(crlFile, crl);
    return source.refresh();
  }

  public boolean publishExpired() throws Exception {
    Instant past = Instant.now().minusSeconds(7200);
    return publish(pki.crl(past, past.plusSeconds(3600)));
  }
}
