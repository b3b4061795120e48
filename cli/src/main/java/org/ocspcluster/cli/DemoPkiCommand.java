package org.ocspcluster.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.pki.DemoPki;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo-pki",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a demo PKI and a two-member cluster.yaml that serves it:",
      "ca.pem, ca.key, ocsp-signer.pem, ocsp-signer.key, good.pem, revoked.pem (keyCompromise), ca.crl,",
      "cluster.yaml. The leaves' AIA names http://FQDN:PORT/. Keys are written with mode 0600."
    })
final class DemoPkiCommand implements Callable<Integer> {
  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "folder to write into")
  Path out;

  @Option(
      names = "--fqdn",
      defaultValue = "localhost",
      paramLabel = "NAME",
      description = "the cluster FQDN in the OCSP URI (default: ${DEFAULT-VALUE})")
  String fqdn;

  @Option(
      names = "--port",
      defaultValue = "8080",
      paramLabel = "N",
      description =
          "the cluster port in the OCSP URI; members get the next two ports (default: ${DEFAULT-VALUE})")
  int port;

  @Option(
      names = "--admin-port",
      defaultValue = "9464",
      paramLabel = "N",
      description = "the admin listener's port (default: ${DEFAULT-VALUE})")
  int adminPort;

  @Option(
      names = "--key-type",
      defaultValue = "ec",
      paramLabel = "ec|rsa",
      description = "P-256 or RSA-2048 keys (default: ${DEFAULT-VALUE})")
  String keyType;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    DemoPki.KeyType type;
    try {
      type = DemoPki.KeyType.parse(keyType);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("--key-type must be ec or rsa, not '" + keyType + "'");
      return 2;
    }
    if (port < 1 || port > 65533) {
      spec.commandLine()
          .getErr()
          .println("--port must be within 1..65533 (the members use the next two ports)");
      return 2;
    }
    DemoCluster.write(out, fqdn, DemoCluster.Ports.from(port, adminPort), type);
    spec.commandLine()
        .getOut()
        .printf(
            "demo PKI and cluster.yaml written to %s (OCSP URI http://%s:%d/)%n",
            out.toAbsolutePath().normalize(), fqdn, port);
    return 0;
  }
}
