package org.ocspcluster.responder.ocsp;

import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.responder.revocation.RevocationSource;
import org.ocspcluster.responder.signing.ResponseSigner;

/** One revocation configuration at run time: the CA, what says the status, and who signs. */
public record ServedCa(String name, X509CertificateHolder ca, RevocationSource source, ResponseSigner signer) {}
