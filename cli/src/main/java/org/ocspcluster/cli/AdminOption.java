package org.ocspcluster.cli;

import picocli.CommandLine.Option;

/** The {@code --admin HOST:PORT} every verb that asks a running process takes (a picocli mixin). */
final class AdminOption {
  @Option(names = "--admin", defaultValue = "127.0.0.1:9464", paramLabel = "HOST:PORT",
      description = "the admin listener of the process to ask (default: ${DEFAULT-VALUE})")
  String address;
}
