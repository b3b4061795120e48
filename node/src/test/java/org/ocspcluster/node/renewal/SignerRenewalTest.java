package org.ocspcluster.node.renewal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;
import org.ocspcluster.config.Renewal;
import org.ocspcluster.pki.DemoPki;

class SignerRenewalTest {
  final X509CertificateHolder signer =
      DemoPki.create("localhost", 8080, DemoPki.KeyType.EC).signer();
  final Instant from = signer.getNotBefore().toInstant();
  final Instant to = signer.getNotAfter().toInstant();

  @Test
  void aSignerIsDueThisLongBeforeItsNotAfter() {
    Renewal before = new Renewal(Duration.ofDays(14), null, "helper", null, null, null);
    assertEquals(to.minus(Duration.ofDays(14)), SignerRenewal.due(signer, before));
  }

  @Test
  void orAtAShareOfItsLifetimeTwoThirdsUnlessSaid() {
    Renewal byDefault = new Renewal(null, null, "helper", null, null, null);
    assertEquals(67, byDefault.atPercent());
    Duration life = Duration.between(from, to);
    assertEquals(
        from.plus(life.multipliedBy(67).dividedBy(100)), SignerRenewal.due(signer, byDefault));
    Renewal half = new Renewal(null, 50, "helper", null, null, null);
    assertEquals(from.plus(life.dividedBy(2)), SignerRenewal.due(signer, half));
  }
}
