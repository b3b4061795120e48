package org.ocspcluster.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.config.HealthSettings;
import org.ocspcluster.config.Probe;
import org.ocspcluster.health.probe.OcspProbe;
import org.ocspcluster.health.probe.ProbeResult;

class OcspProbeTest {
  @TempDir Path dir;
  StubResponder stub;
  OcspProbe probe;

  @BeforeEach
  void start() throws Exception {
    stub = new StubResponder();
    HealthSettings settings =
        new HealthSettings(
            null,
            Duration.ofMillis(800),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    probe =
        new OcspProbe(
            "stub",
            stub.writeCa(dir),
            new Probe(null, "0x1234", Probe.Expect.GOOD),
            HttpClient.newHttpClient(),
            settings,
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  private ProbeResult ask(StubResponder.Fault fault) {
    stub.fault = fault;
    return probe.probe(stub.uri()).join();
  }

  @Test
  void aCorrectAnswerPasses() {
    ProbeResult r = ask(StubResponder.Fault.NONE);
    assertTrue(r.passed(), r.reason());
    assertNull(r.warning());
  }

  @Test
  void aSignatureByAnotherKeyFails() {
    ProbeResult r = ask(StubResponder.Fault.WRONG_KEY);
    assertFalse(r.passed());
    assertTrue(r.reason().contains("signature"), r.reason());
  }

  @Test
  void anExpiredSignerFails() {
    ProbeResult r = ask(StubResponder.Fault.EXPIRED_SIGNER);
    assertFalse(r.passed());
    assertTrue(r.reason().contains("expired"), r.reason());
  }

  @Test
  void aSignerCloseToExpiryPassesWithAWarning() {
    ProbeResult r = ask(StubResponder.Fault.EXPIRING_SIGNER);
    assertTrue(r.passed(), r.reason());
    assertNotNull(r.warning());
    assertTrue(r.warning().contains("assign a new one"), r.warning());
  }

  @Test
  void staleRevocationDataFailsWithHowLongAgo() {
    ProbeResult r = ask(StubResponder.Fault.STALE);
    assertFalse(r.passed());
    assertTrue(r.reason().matches("revocation data for \"stub\" expired \\d+ s ago.*"), r.reason());
  }

  @Test
  void theWrongStatusFails() {
    ProbeResult r = ask(StubResponder.Fault.REVOKED);
    assertFalse(r.passed());
    assertTrue(r.reason().contains("says revoked, expected good"), r.reason());
  }

  @Test
  void aMissingNonceFails() {
    ProbeResult r = ask(StubResponder.Fault.NO_NONCE);
    assertFalse(r.passed());
    assertTrue(r.reason().contains("nonce"), r.reason());
  }

  @Test
  void anErrorStatusFails() {
    ProbeResult r = ask(StubResponder.Fault.TRY_LATER);
    assertFalse(r.passed());
    assertTrue(r.reason().contains("tryLater"), r.reason());
  }

  @Test
  void aResponderThatNeverAnswersIsCaughtByTheTimeout() {
    ProbeResult r = ask(StubResponder.Fault.HANG);
    assertFalse(r.passed());
    assertTrue(r.reason().contains("no OCSP answer") && r.reason().contains("Timeout"), r.reason());
  }

  @Test
  void aStoppedResponderFails() {
    stub.close();
    ProbeResult r = probe.probe(stub.uri()).join();
    assertFalse(r.passed());
    assertTrue(r.reason().contains("no OCSP answer"), r.reason());
  }
}
