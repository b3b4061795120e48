package org.ocspcluster.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code --admin HOST:PORT} every verb that asks a running process takes (a picocli mixin), and
 * the bearer token for an admin listener that has one: {@code --admin-token-file FILE}, else the
 * {@code OCSP_CLUSTER_ADMIN_TOKEN} environment variable. Never a token on the command line, where
 * {@code ps} would show it.
 */
final class AdminOption {
  static final String TOKEN_VARIABLE = "OCSP_CLUSTER_ADMIN_TOKEN";

  @Option(
      names = "--admin",
      defaultValue = "127.0.0.1:9464",
      paramLabel = "HOST:PORT",
      description = "the admin listener of the process to ask (default: ${DEFAULT-VALUE})")
  String address;

  @Option(
      names = "--admin-token-file",
      paramLabel = "FILE",
      description =
          "a file holding the admin listener's bearer token (the cluster's admin.tokenFile); "
              + "or set "
              + TOKEN_VARIABLE)
  Path tokenFile;

  @Option(
      names = "--admin-ca",
      paramLabel = "FILE",
      description =
          "with an https:// admin address: the CA certificates (PEM) to trust for it (default: the JDK's)")
  Path caFile;

  @Option(
      names = "--json",
      description = "print the admin listener's answer as JSON, as it came (default: text)")
  boolean json;

  Optional<String> token() throws IOException {
    if (tokenFile != null) {
      return Optional.of(Files.readString(tokenFile).strip());
    }
    String fromEnvironment = System.getenv(TOKEN_VARIABLE);
    return fromEnvironment == null || fromEnvironment.isBlank()
        ? Optional.empty()
        : Optional.of(fromEnvironment.strip());
  }
}
