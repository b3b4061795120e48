package org.ocspcluster.balancer.forwarding;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.config.RevocationConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which revocation configuration a CertID is about, by its issuerKeyHash (RFC 6960 4.1.1: the hash
 * of the CA's public key), for every hash a client may use. The edge cache keeps answers per
 * configuration, so that it can drop one CA's answers and keep the others'.
 */
public final class CaIndex {
  private static final Logger LOG = LoggerFactory.getLogger(CaIndex.class);
  private static final List<String> HASHES = List.of("SHA-1", "SHA-256", "SHA-384", "SHA-512");

  private final Map<String, String> byKeyHash;

  private CaIndex(Map<String, String> byKeyHash) {
    this.byKeyHash = Map.copyOf(byKeyHash);
  }

  static final CaIndex EMPTY = new CaIndex(Map.of());

  /** Reads each configuration's CA certificate (file I/O: never on an event loop). */
  public static CaIndex of(List<RevocationConfiguration> configurations) {
    Map<String, String> index = new HashMap<>();
    for (RevocationConfiguration c : configurations) {
      try (InputStream in = Files.newInputStream(c.caCertificate())) {
        byte[] der =
            java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(in)
                .getEncoded();
        byte[] key =
            new X509CertificateHolder(der).getSubjectPublicKeyInfo().getPublicKeyData().getBytes();
        for (String hash : HASHES) {
          String keyHash = HexFormat.of().formatHex(MessageDigest.getInstance(hash).digest(key));
          String before = index.putIfAbsent(keyHash, c.name());
          if (before != null && !before.equals(c.name())) {
            // Two configurations with one CA key: which one a member answers from is not known
            // here, so neither's answers are kept.
            index.put(keyHash, AMBIGUOUS);
            if (hash.equals("SHA-1")) {
              LOG.warn(
                  "edge cache: configurations {} and {} have the same CA key; their answers are"
                      + " not cached",
                  before,
                  c.name());
            }
          }
        }
      } catch (IOException
          | java.security.cert.CertificateException
          | NoSuchAlgorithmException
          | RuntimeException e) {
        LOG.warn(
            "edge cache: configuration {}: CA certificate {} unreadable ({}); its answers are not"
                + " cached",
            c.name(),
            c.caCertificate(),
            e.getMessage());
      }
    }
    return new CaIndex(index);
  }

  private static final String AMBIGUOUS = "";

  /** The configuration whose CA has this key hash (hex), or null (none, or more than one). */
  String configuration(String issuerKeyHash) {
    String c = byKeyHash.get(issuerKeyHash);
    return c == null || c.isEmpty() ? null : c;
  }
}
