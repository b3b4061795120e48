package org.ocspcluster.responder.revocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigInteger;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RevokedSerialsTest {

  @Test
  void everyListedSerialIsFoundWithItsTimeAndReasonAndNoOtherIs() {
    SplittableRandom random = new SplittableRandom(42);
    Map<BigInteger, CertStatus.Revoked> listed = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[1 + random.nextInt(20)];
      random.nextBytes(bytes);
      listed.put(
          new BigInteger(1, bytes),
          new CertStatus.Revoked(
              Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(1_000_000)),
              random.nextInt(-1, 11)));
    }
    RevokedSerials packed = RevokedSerials.of(listed);
    assertEquals(listed.size(), packed.size());
    listed.forEach(
        (serial, revoked) ->
            assertEquals(
                revoked, packed.get(new BigInteger(serial.toByteArray())), serial.toString(16)));
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[16];
      random.nextBytes(bytes);
      BigInteger other = new BigInteger(1, bytes);
      if (!listed.containsKey(other)) {
        assertNull(packed.get(other));
      }
    }
  }

  @Test
  void serialsThatShareTheirLow64BitsAreToldApart() {
    BigInteger low = BigInteger.valueOf(0x1234_5678_9abc_def0L);
    BigInteger high = low.add(BigInteger.ONE.shiftLeft(64));
    BigInteger higher = low.add(BigInteger.ONE.shiftLeft(100));
    CertStatus.Revoked revoked = new CertStatus.Revoked(Instant.ofEpochSecond(1_700_000_000L), 1);
    RevokedSerials packed = RevokedSerials.of(Map.of(high, revoked));
    assertEquals(revoked, packed.get(high));
    assertNull(packed.get(low));
    assertNull(packed.get(higher));
    assertNull(packed.get(high.negate()));
  }

  @Test
  void anEmptyListAnswersNothing() {
    RevokedSerials packed = RevokedSerials.of(Map.of());
    assertEquals(0, packed.size());
    assertNull(packed.get(BigInteger.ONE));
  }
}
