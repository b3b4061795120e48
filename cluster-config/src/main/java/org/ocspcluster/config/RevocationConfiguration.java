package org.ocspcluster.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a member needs to answer for one CA.
 *
 * <ul>
 *   <li>the CA certificate;
 *   <li>the signing credential: a certificate and its key in PEM ({@code signingCertificate},
 *       {@code signingKey}; the CA's own pair works too), or a PKCS#12 keystore ({@code
 *       signingKeystore}, its password in {@code signingKeystorePasswordFile}); answers name the
 *       signer by key hash ({@code responderId: byKey}, the default) or by name; or a key in a
 *       PKCS#11 token ({@code signingToken}, see {@link SigningToken});
 *   <li>the revocation source: a CRL ({@code crl}, a file or an http(s) URL) with an optional delta
 *       CRL ({@code deltaCrl}), or an OpenSSL CA database ({@code opensslIndex}), which also knows
 *       which serials were issued: with {@code extendedRevoke}, never-issued serials are answered
 *       revoked (RFC 6960 section 2.2), else unknown;
 *   <li>{@code refreshInterval}: how often the source is read again;
 *   <li>{@code responseValidity}, when set, bounds how long a signed response is valid (never past
 *       the source's nextUpdate); unset, responses are valid until the source's nextUpdate;
 *   <li>{@code probe}: what the health probe asks and expects for this CA;
 *   <li>{@code profile}: {@code standard}, or {@code cabforum} for a publicly trusted CA: the
 *       CA/Browser Forum Baseline Requirements (4.9.10) on responses, checked when the
 *       configuration is loaded (see {@link Profile});
 *   <li>{@code renewal}: the signer renews itself before it expires (see {@link Renewal}).
 * </ul>
 */
public record RevocationConfiguration(
    String name,
    Path caCertificate,
    Path signingCertificate,
    Path signingKey,
    Path signingKeystore,
    Path signingKeystorePasswordFile,
    ResponderIdType responderId,
    Location crl,
    Location deltaCrl,
    Path opensslIndex,
    Boolean extendedRevoke,
    Duration refreshInterval,
    Duration responseValidity,
    Probe probe,
    Profile profile,
    SigningToken signingToken,
    Renewal renewal) {

  public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(5);

  /** The response validity under {@code profile: cabforum} when none is given. */
  public static final Duration CABFORUM_DEFAULT_VALIDITY = Duration.ofDays(7);

  public RevocationConfiguration {
    refreshInterval = refreshInterval == null ? DEFAULT_REFRESH : refreshInterval;
    profile = profile == null ? Profile.STANDARD : profile;
    responderId = responderId == null ? ResponderIdType.BY_KEY : responderId;
    extendedRevoke = extendedRevoke != null && extendedRevoke;
  }

  RevocationConfiguration resolvedAgainst(Path folder) {
    return new RevocationConfiguration(
        name,
        resolve(folder, caCertificate),
        resolve(folder, signingCertificate),
        resolve(folder, signingKey),
        resolve(folder, signingKeystore),
        resolve(folder, signingKeystorePasswordFile),
        responderId,
        crl == null ? null : crl.resolvedAgainst(folder),
        deltaCrl == null ? null : deltaCrl.resolvedAgainst(folder),
        resolve(folder, opensslIndex),
        extendedRevoke,
        refreshInterval,
        responseValidity,
        probe == null ? null : probe.resolvedAgainst(folder),
        profile,
        signingToken == null ? null : signingToken.resolvedAgainst(folder),
        renewal == null ? null : renewal.resolvedAgainst(folder));
  }

  private static Path resolve(Path folder, Path path) {
    return path == null ? null : folder.resolve(path).normalize();
  }

  /** How a response names its signer (RFC 6960 ResponderID). */
  public enum ResponderIdType {
    BY_KEY("byKey"),
    BY_NAME("byName");

    private final String word;

    ResponderIdType(String word) {
      this.word = word;
    }

    @JsonCreator
    public static ResponderIdType parse(String text) {
      return Words.parse(ResponderIdType.class, values(), text, t -> t.word);
    }

    @JsonValue
    @Override
    public String toString() {
      return word;
    }
  }

  /**
   * Which rules responses follow. {@code standard}: RFC 6960 and RFC 5019. {@code cabforum}: also
   * the CA/Browser Forum Baseline Requirements for subscriber certificates' status: a validity
   * interval (counted inclusively) of 8 hours to 10 days (default 7 days), re-signed before half of
   * it has passed and at most 4 days after thisUpdate, and a delegated signer that carries
   * id-pkix-ocsp-nocheck and is not signed with SHA-1.
   */
  public enum Profile {
    STANDARD("standard"),
    CABFORUM("cabforum");

    private final String word;

    Profile(String word) {
      this.word = word;
    }

    @JsonCreator
    public static Profile parse(String text) {
      return Words.parse(Profile.class, values(), text, t -> t.word);
    }

    @JsonValue
    @Override
    public String toString() {
      return word;
    }
  }

  /** The same configuration, signing with {@code signer}'s files instead of its own. */
  public RevocationConfiguration withSigner(SignerFiles signer) {
    return new RevocationConfiguration(
        name,
        caCertificate,
        signer.certificate(),
        signer.key(),
        signer.keystore(),
        signer.passwordFile(),
        responderId,
        crl,
        deltaCrl,
        opensslIndex,
        extendedRevoke,
        refreshInterval,
        responseValidity,
        probe,
        profile,
        signer.token(),
        renewal);
  }

  /** The validity responses carry: the one given, the profile's default, or null (the data's). */
  public Duration effectiveResponseValidity() {
    return responseValidity == null && profile == Profile.CABFORUM
        ? CABFORUM_DEFAULT_VALIDITY
        : responseValidity;
  }
}
