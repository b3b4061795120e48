package org.ocspcluster.node.renewal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exit codes and outputs of certmonger's helper contract, as a real process gives them. */
class HelperTest {
  private static Helper.Result run(String script, String cookie) throws Exception {
    List<String> command = List.of("/bin/sh", "-c", script);
    return cookie == null
        ? Helper.submit(command, "CSR", "demo", Duration.ofSeconds(30))
        : Helper.poll(command, "CSR", cookie, "demo", Duration.ofSeconds(30));
  }

  @Test
  void aCaWorkingOnTheRequestGivesACookieThatThePollCarries() throws Exception {
    Helper.Result working = run("echo ticket-7; exit 1", null);
    assertEquals(Helper.Kind.TRY_LATER, working.kind());
    assertEquals("ticket-7", working.cookie());
    Helper.Result polled =
        run(
            "[ \"$CERTMONGER_OPERATION\" = POLL ] && [ \"$CERTMONGER_CA_COOKIE\" = ticket-7 ]"
                + " && [ \"$CERTMONGER_CSR\" = CSR ] && echo issued-cert && exit 0; exit 2",
            "ticket-7");
    assertEquals(Helper.Kind.ISSUED, polled.kind(), polled.said());
  }

  @Test
  void exitFiveWaitsTheSecondsItSaysAndKeepsItsCookie() throws Exception {
    Helper.Result wait = run("printf '90\\nticket-8\\n'; exit 5", null);
    assertEquals(Helper.Kind.TRY_LATER, wait.kind());
    assertEquals(Duration.ofSeconds(90), wait.delay());
    assertEquals("ticket-8", wait.cookie());
  }

  @Test
  void anUnreachableCaOrAnUnsupportedOperationIsSubmittedAgainAndARefusalIsFinal()
      throws Exception {
    assertNull(run("echo down; exit 3", null).cookie());
    assertEquals(Helper.Kind.TRY_LATER, run("exit 6", "ticket").kind());
    assertEquals(Helper.Kind.REJECTED, run("echo no; exit 2", null).kind());
    assertEquals(Helper.Kind.REJECTED, run("echo not set up; exit 4", null).kind());
  }
}
