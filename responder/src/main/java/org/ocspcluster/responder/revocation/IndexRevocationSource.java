package org.ocspcluster.responder.revocation;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x509.CRLReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocation data from an OpenSSL CA database ({@code index.txt}: status, expiry, revocation
 * date[,reason], serial in hex, file, subject; tab-separated). Unlike a CRL it lists every issued
 * certificate, so a serial that is not there was never issued: it is answered {@code unknown}, or,
 * with the extended revoked definition (RFC 6960 section 2.2), revoked with reason certificateHold
 * and revocation time 1970-01-01.
 *
 * <p>The file carries no validity of its own: data is taken as fresh until twice the refresh
 * interval after the last successful read, so a database that can no longer be read makes the
 * configuration answer {@code tryLater} instead of old news.
 */
public final class IndexRevocationSource implements RevocationSource {
  private static final Logger LOG = LoggerFactory.getLogger(IndexRevocationSource.class);
  static final Instant EXTENDED_REVOKE_TIME = Instant.EPOCH;

  private static final Map<String, Integer> REASONS =
      Map.ofEntries(
          Map.entry("unspecified", CRLReason.unspecified),
          Map.entry("keycompromise", CRLReason.keyCompromise),
          Map.entry("cacompromise", CRLReason.cACompromise),
          Map.entry("affiliationchanged", CRLReason.affiliationChanged),
          Map.entry("superseded", CRLReason.superseded),
          Map.entry("cessationofoperation", CRLReason.cessationOfOperation),
          Map.entry("certificatehold", CRLReason.certificateHold),
          Map.entry("removefromcrl", CRLReason.removeFromCRL),
          Map.entry("privilegewithdrawn", CRLReason.privilegeWithdrawn),
          Map.entry("aacompromise", CRLReason.aACompromise));

  private final String name;
  private final Path file;
  private final boolean extendedRevoke;
  private final Duration freshFor;
  private final Clock clock;
  private final AtomicReference<Snapshot> current = new AtomicReference<>();
  private final AtomicLong generation = new AtomicLong();

  private record Snapshot(Instant loadedAt, Map<BigInteger, CertStatus> issued, String digest) {}

  public IndexRevocationSource(
      String name, Path file, boolean extendedRevoke, Duration refreshInterval, Clock clock) {
    this.name = name;
    this.file = file;
    this.extendedRevoke = extendedRevoke;
    this.freshFor = refreshInterval.multipliedBy(2);
    this.clock = clock;
  }

  @Override
  public boolean refresh() {
    Map<BigInteger, CertStatus> issued;
    String digest;
    try {
      byte[] bytes = Files.readAllBytes(file);
      digest =
          java.util.HexFormat.of()
              .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
      issued = parse(new String(bytes, StandardCharsets.UTF_8).lines().toList());
    } catch (IOException | java.security.NoSuchAlgorithmException | IllegalArgumentException e) {
      LOG.warn(
          "revocation configuration \"{}\": {} refused, keeping the data in force: {}",
          name,
          file,
          e.getMessage());
      return false;
    }
    Snapshot previous = current.get();
    Instant now = clock.instant();
    boolean changed = previous == null || !previous.digest().equals(digest);
    current.set(new Snapshot(now, changed ? issued : previous.issued(), digest));
    if (changed) {
      generation.incrementAndGet();
      long revoked = issued.values().stream().filter(s -> s instanceof CertStatus.Revoked).count();
      LOG.info(
          "revocation configuration \"{}\": CA database loaded from {} ({} issued, {} revoked)",
          name,
          file,
          issued.size(),
          revoked);
    }
    return true;
  }

  @Override
  public StatusAnswer status(BigInteger serial, Instant now) throws RevocationDataUnavailable {
    Snapshot s = current.get();
    if (s == null) {
      throw new RevocationDataUnavailable("the CA database " + file + " has not been read");
    }
    Instant nextUpdate = s.loadedAt().plus(freshFor);
    if (!now.isBefore(nextUpdate)) {
      throw new RevocationDataUnavailable(
          "the CA database " + file + " was last read at " + s.loadedAt());
    }
    CertStatus status = s.issued().get(serial);
    if (status == null) {
      status =
          extendedRevoke
              ? new CertStatus.Revoked(EXTENDED_REVOKE_TIME, CRLReason.certificateHold)
              : CertStatus.UNKNOWN;
    }
    return new StatusAnswer(status, s.loadedAt(), nextUpdate);
  }

  @Override
  public long generation() {
    return generation.get();
  }

  @Override
  public Instant nextUpdate() {
    Snapshot s = current.get();
    return s == null ? null : s.loadedAt().plus(freshFor);
  }

  @Override
  public boolean extendedRevokedDefinition() {
    return extendedRevoke;
  }

  static Map<BigInteger, CertStatus> parse(List<String> lines) {
    Map<BigInteger, CertStatus> issued = new HashMap<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length < 4) {
        throw new IllegalArgumentException(
            "line "
                + (n + 1)
                + ": expected tab-separated status, expiry, "
                + "revocation, serial, file, subject; found "
                + f.length
                + " fields");
      }
      BigInteger serial;
      try {
        serial = new BigInteger(f[3].trim(), 16);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "line " + (n + 1) + ": serial '" + f[3] + "' is not hexadecimal");
      }
      switch (f[0].trim()) {
        case "V", "E" -> issued.put(serial, CertStatus.GOOD);
        case "R" -> issued.put(serial, revoked(f[2], n + 1));
        default ->
            throw new IllegalArgumentException(
                "line " + (n + 1) + ": status '" + f[0] + "' is not V, R or E");
      }
    }
    return issued;
  }

  private static CertStatus.Revoked revoked(String field, int line) {
    String[] parts = field.split(",");
    Instant time = time(parts[0].trim(), line);
    int reason = -1;
    if (parts.length > 1) {
      Integer code = REASONS.get(parts[1].trim().toLowerCase(Locale.ROOT));
      if (code == null) {
        throw new IllegalArgumentException(
            "line " + line + ": revocation reason '" + parts[1] + "' is not known");
      }
      reason = code;
    }
    return new CertStatus.Revoked(time, reason);
  }

  private static Instant time(String text, int line) {
    try {
      if (text.length() == 13) {
        // UTCTime: years 50..99 are 19xx (RFC 5280 4.1.2.5.1).
        int yy = Integer.parseInt(text.substring(0, 2));
        String full = (yy >= 50 ? "19" : "20") + text;
        return LocalDateTime.parse(full, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'"))
            .toInstant(ZoneOffset.UTC);
      }
      if (text.length() == 15) {
        return LocalDateTime.parse(text, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'"))
            .toInstant(ZoneOffset.UTC);
      }
    } catch (RuntimeException e) {
      // fall through
    }
    throw new IllegalArgumentException(
        "line " + line + ": revocation date '" + text + "' is not YYMMDDHHMMSSZ");
  }
}
