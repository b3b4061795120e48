package org.ocspcluster.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.responder.signing.SignerRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "signer-request",
    mixinStandardHelpOptions = true,
    description =
        "Enrolment: makes a new signing key for a member (kept here, mode 0600) and a PKCS#10 request "
            + "with EKU OCSPSigning and ocsp-nocheck for the CA to sign.")
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
}
