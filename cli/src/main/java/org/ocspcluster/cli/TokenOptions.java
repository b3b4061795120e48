package org.ocspcluster.cli;

import java.nio.file.Path;
import org.ocspcluster.config.SigningToken;
import picocli.CommandLine.Option;

/** Which PKCS#11 token and key label a verb works on. */
final class TokenOptions {
  @Option(
      names = "--token-library",
      paramLabel = "MODULE",
      description = "the token's PKCS#11 module (.so)")
  Path library;

  @Option(
      names = "--token-slot",
      paramLabel = "ID",
      description = "the token's slot id (or --token-slot-index)")
  Long slot;

  @Option(
      names = "--token-slot-index",
      paramLabel = "N",
      description = "the token's place in the module's slot list")
  Integer slotIndex;

  @Option(
      names = "--token-pin-file",
      paramLabel = "FILE",
      description = "the file holding the token's user PIN (owner-only)")
  Path pinFile;

  @Option(
      names = "--key-label",
      paramLabel = "LABEL",
      description = "the key's label in the token (its keyLabel in cluster.yaml)")
  String keyLabel;

  /** What is missing, in words, or null when the token is named in full. */
  String missing() {
    if (library == null
        || pinFile == null
        || keyLabel == null
        || (slot == null) == (slotIndex == null)) {
      return "name the token and key: --token-library, --token-pin-file, --key-label and one of"
          + " --token-slot or --token-slot-index";
    }
    return null;
  }

  SigningToken token() {
    return new SigningToken(
        library.toAbsolutePath(), slot, slotIndex, keyLabel, pinFile.toAbsolutePath());
  }

  /** The token as a member's signer in cluster.yaml. */
  String yaml(String configuration, String certificate) {
    SigningToken t = token();
    return "signers: {"
        + configuration
        + ": {"
        + (certificate == null ? "" : "certificate: " + certificate + ", ")
        + "token: {library: "
        + t.library()
        + ", "
        + (slot != null ? "slot: " + slot : "slotListIndex: " + slotIndex)
        + ", keyLabel: "
        + keyLabel
        + ", pinFile: "
        + t.pinFile()
        + "}}}";
  }
}
