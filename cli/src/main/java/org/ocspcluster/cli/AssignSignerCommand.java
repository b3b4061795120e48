package org.ocspcluster.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "assign-signer",
    mixinStandardHelpOptions = true,
    description =
        "Assign Signing Certificate without a restart: the members behind the admin listener load the "
            + "named credential (or, with no files named, the configured files again), check it, and sign with it.")
final class AssignSignerCommand implements Callable<Integer> {
  @Option(
      names = "--configuration",
      required = true,
      paramLabel = "NAME",
      description = "the revocation configuration")
  String configuration;

  @Option(
      names = "--certificate",
      paramLabel = "FILE",
      description = "the new signing certificate (PEM)")
  Path certificate;

  @Option(names = "--key", paramLabel = "FILE", description = "its private key (PEM)")
  Path key;

  @Option(names = "--keystore", paramLabel = "FILE", description = "or a PKCS#12 file with both")
  Path keystore;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "the PKCS#12 file's password")
  Path passwordFile;

  @Option(
      names = "--member",
      paramLabel = "NAME",
      description =
          "only this member (default: every member). Against the array controller or `up`, the"
              + " assignment is a new revision, kept by later applies of files that do not give"
              + " the member a signers: key of its own")
  String member;

  @picocli.CommandLine.Mixin AdminOption admin;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if ((certificate == null) != (key == null)) {
      spec.commandLine().getErr().println("give --certificate and --key together (or --keystore)");
      return 2;
    }
    StringBuilder query = new StringBuilder("/signer?configuration=").append(encode(configuration));
    append(query, "certificate", certificate);
    append(query, "key", key);
    append(query, "keystore", keystore);
    append(query, "passwordFile", passwordFile);
    if (member != null) {
      query.append("&member=").append(encode(member));
    }
    return AdminClient.report(AdminClient.post(admin, query.toString()), admin, spec);
  }

  private static void append(StringBuilder query, String name, Path path) {
    if (path != null) {
      // The members read the file: send it as an absolute path.
      query
          .append('&')
          .append(name)
          .append('=')
          .append(encode(path.toAbsolutePath().normalize().toString()));
    }
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
