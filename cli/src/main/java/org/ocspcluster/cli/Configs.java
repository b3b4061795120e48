package org.ocspcluster.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.ConfigException;
import org.ocspcluster.config.ConfigLoader;

/** Loads a configuration for a command, printing the refusal the way every command prints it. */
final class Configs {
  private Configs() {}

  /** The configuration, or null after printing why it was refused. */
  static ClusterConfig load(Path file, PrintWriter err) {
    try {
      return ConfigLoader.load(file);
    } catch (ConfigException e) {
      err.println("configuration refused:");
      e.problems()
          .forEach(p -> err.println("  " + e.file() + ": " + p.field() + ": " + p.reason()));
      err.flush();
      return null;
    }
  }
}
