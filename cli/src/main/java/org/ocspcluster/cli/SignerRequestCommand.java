package org.ocspcluster.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.SigningToken;
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

  @Option(
      names = "--token-library",
      paramLabel = "MODULE",
      description =
          "make the key inside this PKCS#11 token (the module's .so) instead of a file: it never"
              + " leaves the token")
  Path tokenLibrary;

  @Option(
      names = "--token-slot",
      paramLabel = "ID",
      description = "the token's slot id (or --token-slot-index)")
  Long tokenSlot;

  @Option(
      names = "--token-slot-index",
      paramLabel = "N",
      description = "the token's place in the module's slot list")
  Integer tokenSlotIndex;

  @Option(
      names = "--token-pin-file",
      paramLabel = "FILE",
      description = "the file holding the token's user PIN (owner-only)")
  Path tokenPinFile;

  @Option(
      names = "--key-label",
      paramLabel = "LABEL",
      description = "the new key's label in the token (its keyLabel in cluster.yaml)")
  String keyLabel;

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
    if (tokenLibrary != null) {
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
    if (tokenPinFile == null
        || keyLabel == null
        || (tokenSlot == null) == (tokenSlotIndex == null)) {
      err.println(
          "error: a key in a token needs --token-pin-file, --key-label and one of --token-slot or"
              + " --token-slot-index");
      return 2;
    }
    SigningToken token =
        new SigningToken(
            tokenLibrary.toAbsolutePath(),
            tokenSlot,
            tokenSlotIndex,
            keyLabel,
            tokenPinFile.toAbsolutePath());
    TokenRequest request;
    try {
      request =
          TokenRequest.write(
              token,
              keyType,
              dir,
              configuration + "-" + member + "-signer",
              member,
              configuration,
              cluster.cluster().name());
      request.keep(keyLabel);
    } catch (SignerException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    var o = spec.commandLine().getOut();
    o.printf(
        "key:     \"%s\" in the token (made there, never extractable; a self-signed placeholder"
            + " certificate beside it until the CA's)%n",
        keyLabel);
    o.printf("request: %s (subject %s)%n", request.request(), request.subject());
    o.printf(
        "next: have the CA issue it with EKU OCSPSigning (e.g. openssl x509 -req -in %s -CA ca.pem"
            + " -CAkey ca.key -copy_extensions copy -days 365 -out signer.pem), then give member %s"
            + " in cluster.yaml:%n",
        request.request().getFileName(), member);
    o.printf(
        "  signers: {%s: {certificate: signer.pem, token: {library: %s, %s: %s, keyLabel: %s,"
            + " pinFile: %s}}}%n",
        configuration,
        token.library(),
        tokenSlot != null ? "slot" : "slotListIndex",
        String.valueOf(tokenSlot != null ? (Object) tokenSlot : tokenSlotIndex),
        keyLabel,
        token.pinFile());
    o.flush();
    return 0;
  }
}
