package org.ocspcluster.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.signing.SignerException;
import org.ocspcluster.responder.signing.TokenRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "signer-install",
    mixinStandardHelpOptions = true,
    description =
        "Puts the certificate the CA issued for a key signer-request made in a PKCS#11 token"
            + " beside that key, in place of its placeholder: members then find key and"
            + " certificate under the key label, and renewal can renew it in the token.")
final class SignerInstallCommand implements Callable<Integer> {
  @Option(
      names = "--certificate",
      required = true,
      paramLabel = "FILE",
      description = "the certificate the CA issued (PEM or DER)")
  Path certificate;

  @Mixin TokenOptions token = new TokenOptions();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    if (token.missing() != null) {
      err.println("error: " + token.missing());
      return 2;
    }
    X509CertificateHolder issued;
    try {
      issued = Pem.readCertificate(certificate);
    } catch (java.io.IOException e) {
      err.println("error: cannot read " + certificate + ": " + e.getMessage());
      return 2;
    }
    try {
      TokenRequest.storeCertificate(token.token(), issued);
    } catch (SignerException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    var o = spec.commandLine().getOut();
    o.printf(
        "the token's key \"%s\" now has the certificate \"%s\" (serial %s, valid until %s)"
            + " beside it%n",
        token.keyLabel,
        issued.getSubject(),
        issued.getSerialNumber().toString(16),
        issued.getNotAfter().toInstant());
    o.flush();
    return 0;
  }
}
