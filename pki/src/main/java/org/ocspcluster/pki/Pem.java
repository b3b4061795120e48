package org.ocspcluster.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** Reads and writes the PEM (or DER) files a PKI team hands over: certificates, CRLs, keys. */
public final class Pem {
  private Pem() {}

  public static X509CertificateHolder readCertificate(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (!isPem(bytes)) {
      return new X509CertificateHolder(bytes);
    }
    Object object = first(file, bytes);
    if (object instanceof X509CertificateHolder certificate) {
      return certificate;
    }
    throw new IOException(file + " holds no certificate (found " + describe(object) + ")");
  }

  /** A certificate from PEM text ({@code origin} names where it came from, for the message). */
  public static X509CertificateHolder parseCertificate(String pem, String origin)
      throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (object instanceof X509CertificateHolder certificate) {
        return certificate;
      }
      throw new IOException(origin + " holds no certificate (found " + describe(object) + ")");
    }
  }

  public static X509CRLHolder readCrl(Path file) throws IOException {
    return parseCrl(Files.readAllBytes(file), file.toString());
  }

  public static X509CRLHolder parseCrl(byte[] bytes, String origin) throws IOException {
    if (!isPem(bytes)) {
      return new X509CRLHolder(bytes);
    }
    try (PEMParser parser =
        new PEMParser(new StringReader(new String(bytes, StandardCharsets.US_ASCII)))) {
      Object object = parser.readObject();
      if (object instanceof X509CRLHolder crl) {
        return crl;
      }
      throw new IOException(origin + " holds no CRL (found " + describe(object) + ")");
    }
  }

  public static PrivateKey readPrivateKey(Path file) throws IOException {
    Object object = first(file, Files.readAllBytes(file));
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    if (object instanceof PrivateKeyInfo info) {
      return converter.getPrivateKey(info);
    }
    if (object instanceof PEMKeyPair pair) {
      return converter.getKeyPair(pair).getPrivate();
    }
    throw new IOException(
        file + " holds no unencrypted private key (found " + describe(object) + ")");
  }

  public static String encode(Object certificateOrCrl) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(certificateOrCrl);
    }
    return out.toString();
  }

  public static void write(Path file, Object certificateOrCrl) throws IOException {
    Files.writeString(file, encode(certificateOrCrl), StandardCharsets.US_ASCII);
  }

  /** Writes a PKCS#8 key readable by its owner only (0600), created so from the first byte. */
  public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(new JcaPKCS8Generator(key, null));
    }
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        file, out.toString(), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Owner-only permissions, as private key files must have. */
  public static final Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private static boolean isPem(byte[] bytes) {
    String head = new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.US_ASCII);
    return head.stripLeading().startsWith("-----BEGIN");
  }

  private static Object first(Path file, byte[] bytes) throws IOException {
    try (PEMParser parser =
        new PEMParser(new StringReader(new String(bytes, StandardCharsets.US_ASCII)))) {
      Object object = parser.readObject();
      if (object == null) {
        throw new IOException(file + " holds no PEM object");
      }
      return object;
    }
  }

  private static String describe(Object object) {
    return object == null ? "nothing" : object.getClass().getSimpleName();
  }
}
