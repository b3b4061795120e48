package org.ocspcluster.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "refresh",
    mixinStandardHelpOptions = true,
    description =
        "Refresh Revocation Data now: every member of the process behind the admin listener reloads "
            + "its CRLs and CA databases, and prints per configuration: loaded, unchanged or refused.")
class RefreshCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin AdminOption admin;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return AdminClient.report(AdminClient.post(admin, "/refresh"), admin, spec);
  }
}
