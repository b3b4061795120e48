package org.ocspcluster.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * When and how a configuration's signer renews itself: {@code before} its notAfter (or at {@code
 * atPercent} of its lifetime, 67 by default), with a new key ({@code keyType} ec or rsa) and a
 * PKCS#10 request handed to the enrolment {@code helper} (certmonger's helper contract: the request
 * in {@code CERTMONGER_CSR}, the certificate on standard output; exit 0 issued, 1, 3 or 5 try again
 * later, 2 or 4 rejected). New keys and certificates are kept in {@code directory}; failures are
 * tried again after {@code retry}, doubling up to a day.
 */
public record Renewal(
    Duration before,
    Integer atPercent,
    String helper,
    String keyType,
    Path directory,
    Duration retry) {

  public Renewal {
    atPercent = before == null && atPercent == null ? Integer.valueOf(67) : atPercent;
    keyType = keyType == null ? "ec" : keyType;
    directory = directory == null ? Path.of("renewed") : directory;
    retry = retry == null ? Duration.ofMinutes(5) : retry;
  }

  Renewal resolvedAgainst(Path folder) {
    return new Renewal(
        before, atPercent, helper, keyType, folder.resolve(directory).normalize(), retry);
  }

  /** The helper's command line: its words, split on blanks (no quoting). */
  public List<String> helperCommand() {
    return Arrays.stream(helper.trim().split("\\s+")).toList();
  }
}
