package org.ocspcluster.coordination;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One numbered revision of the cluster configuration: the YAML exactly as applied, the folder its
 * relative paths are read from, when it was applied and what it came from.
 */
public record Revision(int number, String yaml, Path baseDir, Instant appliedAt, String source) {

  /**
   * The file name the revision's relative paths resolve against (its folder is {@link #baseDir()}).
   */
  public Path anchor() {
    return baseDir.resolve("cluster.yaml");
  }
}
