package org.ocspcluster.coordination;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where the array keeps its configuration as numbered revisions. A revision is never changed once
 * stored; a rollback stores an older revision's text again as a new revision, so the history says
 * what ran when.
 */
public interface ConfigStore {

  /** The revision in force, if any has been stored. */
  Optional<Revision> current() throws IOException;

  Optional<Revision> get(int number) throws IOException;

  /** Every revision, oldest first. */
  List<Revision> history() throws IOException;

  /** Stores {@code yaml} as the next revision and makes it current. The caller validated it. */
  Revision append(String yaml, java.nio.file.Path baseDir, String source) throws IOException;
}
