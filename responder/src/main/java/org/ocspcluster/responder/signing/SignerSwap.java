package org.ocspcluster.responder.signing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a PEM signer (certificate and key files) in place, so that a member's own signer can be
 * renewed where the configuration names it, without a new revision. Two files cannot be renamed at
 * once: the new ones are written beside the old as {@code .next} and synced, the old ones kept as
 * {@code .previous}, then the key is renamed before the certificate. A process stopped between the
 * two renames leaves only the certificate's {@code .next}; {@link #finishInterrupted} completes it
 * before the signer is read, so the pair read always matches.
 */
public final class SignerSwap {
  /**
   * Held while files are swapped and while a member reads a PEM signer ({@link #reading}): a member
   * never reads between the two renames of a swap in this process.
   */
  private static final Object LOCK = new Object();

  private SignerSwap() {}

  /** Runs {@code read} with no swap under way in this process. */
  public static <T, E extends Exception> T reading(Reading<T, E> read) throws E {
    synchronized (LOCK) {
      return read.run();
    }
  }

  /** What {@link #reading} runs. */
  @FunctionalInterface
  public interface Reading<T, E extends Exception> {
    T run() throws E;
  }

  /**
   * Puts {@code newCertificatePem} and the key in {@code newKey} at {@code certificate}/{@code
   * key}.
   */
  public static void install(Path certificate, Path key, String newCertificatePem, Path newKey)
      throws IOException {
    synchronized (LOCK) {
      byte[] oldCertificate = Files.readAllBytes(certificate);
      byte[] oldKey = Files.readAllBytes(key);
      write(previous(certificate), oldCertificate, false);
      write(previous(key), oldKey, true);
      swap(
          certificate,
          key,
          newCertificatePem.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
          Files.readAllBytes(newKey));
    }
  }

  /** Both written and synced as {@code .next}, then the key renamed, then the certificate. */
  private static void swap(Path certificate, Path key, byte[] newCertificate, byte[] newKey)
      throws IOException {
    Path certificateNext = next(certificate);
    Path keyNext = next(key);
    write(keyNext, newKey, true);
    write(certificateNext, newCertificate, false);
    syncFolder(certificate);
    rename(keyNext, key);
    rename(certificateNext, certificate);
  }

  /** An atomic rename over {@code target}, synced. */
  private static void rename(Path from, Path target) throws IOException {
    Files.move(from, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    syncFolder(target);
  }

  /** Puts the {@code .previous} files back (the new signer was written but refused in force). */
  public static void restore(Path certificate, Path key) throws IOException {
    synchronized (LOCK) {
      swap(
          certificate,
          key,
          Files.readAllBytes(previous(certificate)),
          Files.readAllBytes(previous(key)));
    }
  }

  /**
   * Completes or undoes a swap a stopped process left: the key renamed but not the certificate
   * (only the certificate's {@code .next} is left) is completed; nothing renamed yet (both {@code
   * .next} files left) is undone. Returns what was done, in words, or null when nothing was left.
   */
  public static String finishInterrupted(Path certificate, Path key) throws IOException {
    synchronized (LOCK) {
      return finish(certificate, key);
    }
  }

  private static String finish(Path certificate, Path key) throws IOException {
    Path certificateNext = next(certificate);
    Path keyNext = next(key);
    if (!Files.exists(certificateNext)) {
      Files.deleteIfExists(keyNext);
      return null;
    }
    if (Files.exists(keyNext)) {
      Files.delete(keyNext);
      Files.delete(certificateNext);
      return "a signer renewal stopped before it swapped anything; the signer in force stays";
    }
    rename(certificateNext, certificate);
    return "a signer renewal stopped between its key and its certificate; the renewed certificate"
        + " is now in place beside its key";
  }

  static Path next(Path file) {
    return file.resolveSibling(file.getFileName() + ".next");
  }

  public static Path previous(Path file) {
    return file.resolveSibling(file.getFileName() + ".previous");
  }

  private static void write(Path target, byte[] bytes, boolean secret) throws IOException {
    Files.deleteIfExists(target);
    if (secret) {
      try {
        Files.createFile(
            target,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException notPosix) {
        Files.createFile(target);
      }
    }
    try (FileChannel channel =
        FileChannel.open(
            target,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  private static void syncFolder(Path file) {
    Path folder = file.toAbsolutePath().getParent();
    try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException notOnThisPlatform) {
      // Some file systems cannot sync a folder; each rename is still atomic.
    }
  }
}
