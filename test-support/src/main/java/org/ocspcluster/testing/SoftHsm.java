package org.ocspcluster.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A SoftHSM2 token for tests, made with Debian's softhsm2-util and OpenSC's pkcs11-tool (the tools
 * an operator uses): keys are generated inside the token and never leave it. The library reads its
 * configuration from {@code SOFTHSM2_CONF}, which the build sets for test JVMs; the first token of
 * a JVM writes that file, pointing at a token folder of its own. The library sees the tokens there
 * were when a process first opened it: make every token a test needs before it opens one.
 */
public final class SoftHsm {
  public static final Path LIBRARY = library();

  private static final AtomicInteger LABELS = new AtomicInteger();
  private static volatile boolean configured;

  private final Path dir;
  private final String label;
  private final String pin;
  private final long slot;

  private SoftHsm(Path dir, String label, String pin, long slot) {
    this.dir = dir;
    this.label = label;
    this.pin = pin;
    this.slot = slot;
  }

  private static Path library() {
    for (String candidate :
        List.of(
            "/usr/lib/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
            "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")) {
      if (Files.isRegularFile(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    return null;
  }

  /** True when SoftHSM2, its tools and the build's SOFTHSM2_CONF are there. */
  public static boolean available() {
    return LIBRARY != null
        && System.getenv("SOFTHSM2_CONF") != null
        && Files.isExecutable(Path.of("/usr/bin/softhsm2-util"))
        && Files.isExecutable(Path.of("/usr/bin/pkcs11-tool"));
  }

  /** A new token with {@code pin}; its files under {@code dir}. */
  public static synchronized SoftHsm newToken(Path dir, String pin)
      throws IOException, InterruptedException {
    if (!configured) {
      Path conf = Path.of(System.getenv("SOFTHSM2_CONF"));
      Path tokens = conf.resolveSibling("softhsm-tokens-" + ProcessHandle.current().pid());
      Files.createDirectories(tokens);
      Files.writeString(
          conf,
          "directories.tokendir = "
              + tokens
              + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
      configured = true;
    }
    String label = "test-" + ProcessHandle.current().pid() + "-" + LABELS.incrementAndGet();
    String out =
        run(
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            pin,
            "--so-pin",
            "12345678");
    Matcher slot = Pattern.compile("reassigned to slot (\\d+)").matcher(out);
    if (!slot.find()) {
      throw new IOException("softhsm2-util did not say the slot: " + out);
    }
    Files.createDirectories(dir);
    return new SoftHsm(dir, label, pin, Long.parseLong(slot.group(1)));
  }

  public long slot() {
    return slot;
  }

  public String pin() {
    return pin;
  }

  /** Writes the PIN into an owner-only file, as the configuration wants it. */
  public Path pinFile() throws IOException {
    Path file = dir.resolve(label + ".pin");
    Files.writeString(file, pin + "\n");
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /**
   * Generates an EC P-256 key pair labelled {@code keyLabel} inside the token (not extractable),
   * and stores beside it a certificate for it that {@code ca} issued, with EKU OCSPSigning and
   * ocsp-nocheck. Returns that certificate.
   */
  public X509CertificateHolder ocspSigner(String keyLabel, X509CertificateHolder ca, KeyPair caKeys)
      throws Exception {
    String id = String.format("%02x", LABELS.incrementAndGet());
    pkcs11(
        "--login", "--keypairgen", "--key-type", "EC:prime256v1", "--label", keyLabel, "--id", id);
    Path pub = dir.resolve(keyLabel + ".pub.der");
    pkcs11("--read-object", "--type", "pubkey", "--id", id, "--output-file", pub.toString());
    SubjectPublicKeyInfo key = SubjectPublicKeyInfo.getInstance(Files.readAllBytes(pub));
    Instant start = Instant.now().minus(Duration.ofHours(1));
    X509v3CertificateBuilder builder =
        new X509v3CertificateBuilder(
                ca.getSubject(),
                BigInteger.valueOf(System.nanoTime()),
                Date.from(start),
                Date.from(start.plus(Duration.ofDays(30))),
                new X500Name("CN=ocsp-cluster token signer " + keyLabel),
                key)
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
            .addExtension(
                Extension.extendedKeyUsage,
                false,
                new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning))
            .addExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck, false, DERNull.INSTANCE);
    String algorithm =
        caKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    X509CertificateHolder certificate =
        builder.build(new JcaContentSignerBuilder(algorithm).build(caKeys.getPrivate()));
    Path der = dir.resolve(keyLabel + ".cert.der");
    Files.write(der, certificate.getEncoded());
    pkcs11(
        "--login",
        "--write-object",
        der.toString(),
        "--type",
        "cert",
        "--id",
        id,
        "--label",
        keyLabel);
    return certificate;
  }

  /**
   * This token as cluster.yaml names it for the key labelled {@code keyLabel}: the library, slot,
   * key label and PIN file lines, each starting with {@code indent}. A PIN file already written (a
   * wrong PIN, say) is left as it is.
   */
  public String yaml(String indent, String keyLabel) throws IOException {
    return indent
        + "library: "
        + LIBRARY
        + "\n"
        + indent
        + "slot: "
        + slot
        + "\n"
        + indent
        + "keyLabel: "
        + keyLabel
        + "\n"
        + indent
        + "pinFile: "
        + (Files.exists(dir.resolve(label + ".pin")) ? dir.resolve(label + ".pin") : pinFile())
        + "\n";
  }

  /**
   * Deletes the key pair and certificate labelled {@code keyLabel} from the token (as a token being
   * re-provisioned would lose them), from a process of its own.
   */
  public void deleteObjects(String keyLabel) throws IOException, InterruptedException {
    for (String type : new String[] {"cert", "privkey", "pubkey"}) {
      pkcs11("--login", "--delete-object", "--type", type, "--label", keyLabel);
    }
  }

  private String pkcs11(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "pkcs11-tool",
            "--module",
            LIBRARY.toString(),
            "--slot",
            Long.toString(slot),
            "--pin",
            pin));
    command.addAll(List.of(args));
    return run(command.toArray(String[]::new));
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
