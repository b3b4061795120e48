package org.ocspcluster.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.responder.signing.SignerException;
import org.ocspcluster.responder.signing.SignerRequest;
import org.ocspcluster.responder.signing.TokenRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "signer-request",
    mixinStandardHelpOptions = true,
    description =
        "Enrolment: makes a new signing key for a member (kept here, mode 0600, or made inside a"
            + " PKCS#11 token with --token-library) and a PKCS#10 request with EKU OCSPSigning and"
            + " ocsp-nocheck for the CA to sign.")
final class SignerRequestCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "the cluster.yaml")
  Path config;

  @Option(
      names = "--member",
      required = true,
      paramLabel = "NAME",
      description = "the member the key is for")
  String member;

  @Option(
      names = "--configuration",
      required = true,
      paramLabel = "NAME",
      description = "the revocation configuration")
  String configuration;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "where to write (default: the config file's folder)")
  Path out;

  @Option(
      names = "--key-type",
      defaultValue = "ec",
      paramLabel = "ec|rsa",
      description = "P-256 or RSA-3072 (default: ${DEFAULT-VALUE})")
  String keyType;

  @picocli.CommandLine.Mixin TokenOptions token = new TokenOptions();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = Configs.load(config, spec.commandLine().getErr());
    if (cluster == null) {
      return Main.CONFIG_ERROR;
    }
    if (cluster.member(member).isEmpty()) {
      spec.commandLine().getErr().println("no member \"" + member + "\" in " + config);
      return 2;
    }
    if (cluster.revocationConfigurations().stream()
        .noneMatch(rc -> rc.name().equals(configuration))) {
      spec.commandLine()
          .getErr()
          .println("no revocation configuration \"" + configuration + "\" in " + config);
      return 2;
    }
    Path dir = out != null ? out : config.toAbsolutePath().getParent();
    if (token.library != null) {
      return inToken(cluster, dir);
    }
    SignerRequest.Written written =
        SignerRequest.write(
            dir,
            configuration + "-" + member + "-signer",
            member,
            configuration,
            cluster.cluster().name(),
            keyType);
    var o = spec.commandLine().getOut();
    o.printf("key:     %s (mode 0600; it stays on this machine)%n", written.key());
    o.printf("request: %s (subject %s)%n", written.request(), written.subject());
    o.printf(
        "next: have the CA issue it with EKU OCSPSigning (e.g. openssl x509 -req -in %s -CA ca.pem -CAkey ca.key "
            + "-copy_extensions copy -days 365 -out signer.pem), then run:%n",
        written.request().getFileName());
    o.printf(
        "  ocsp-cluster assign-signer --configuration %s --certificate signer.pem --key %s%n",
        configuration, written.key());
    o.flush();
    return 0;
  }

  /** The key made inside the token, labelled with a placeholder certificate until the CA's. */
  private int inToken(ClusterConfig cluster, Path dir) throws Exception {
    var err = spec.commandLine().getErr();
    if (token.missing() != null) {
      err.println("error: " + token.missing());
      return 2;
    }
    TokenRequest request;
    try {
      request =
          TokenRequest.write(
              token.token(),
              keyType,
              dir,
              configuration + "-" + member + "-signer",
              member,
              configuration,
              cluster.cluster().name());
    } catch (SignerException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    try {
      request.keep(token.keyLabel);
    } catch (SignerException e) {
      err.println("error: " + e.getMessage());
      try {
        java.nio.file.Files.deleteIfExists(request.request());
        request.discard();
      } catch (SignerException | java.io.IOException left) {
        err.println("the new key is left in the token without a label: " + left.getMessage());
      }
      return 1;
    }
    var o = spec.commandLine().getOut();
    o.printf(
        "key:     \"%s\" in the token (made there, never extractable; a self-signed placeholder"
            + " certificate beside it until the CA's)%n",
        token.keyLabel);
    o.printf("request: %s (subject %s)%n", request.request(), request.subject());
    o.printf(
        "next: have the CA issue it with EKU OCSPSigning (e.g. openssl x509 -req -in %s -CA ca.pem"
            + " -CAkey ca.key -copy_extensions copy -days 365 -out signer.pem), put it in the"
            + " token:%n",
        request.request().getFileName());
    o.printf(
        "  ocsp-cluster signer-install --certificate signer.pem --token-library %s %s --token-pin-file"
            + " %s --key-label %s%n",
        token.token().library(),
        token.slot != null ? "--token-slot " + token.slot : "--token-slot-index " + token.slotIndex,
        token.token().pinFile(),
        token.keyLabel);
    o.printf("and give member %s in cluster.yaml: %s%n", member, token.yaml(configuration, null));
    o.flush();
    return 0;
  }
}
