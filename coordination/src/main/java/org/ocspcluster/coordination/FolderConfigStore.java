package org.ocspcluster.coordination;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The embedded store for one machine: a folder with {@code NNNNNN.yaml} (the revision's text),
 * {@code NNNNNN.json} (its metadata) and {@code CURRENT} (the number in force). Every file is
 * written to a temporary name, forced to disk and renamed into place, so a crash leaves either the
 * old revision or the new one, never half of one.
 */
public final class FolderConfigStore implements ConfigStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REVISION = Pattern.compile("(\\d{6})\\.yaml");

  private final Path dir;

  public FolderConfigStore(Path dir) {
    this.dir = dir;
  }

  @Override
  public synchronized Optional<Revision> current() throws IOException {
    Path pointer = dir.resolve("CURRENT");
    if (!Files.isRegularFile(pointer)) {
      return Optional.empty();
    }
    return get(Integer.parseInt(Files.readString(pointer).trim()));
  }

  @Override
  public synchronized Optional<Revision> get(int number) throws IOException {
    Path yaml = dir.resolve(name(number) + ".yaml");
    Path meta = dir.resolve(name(number) + ".json");
    if (!Files.isRegularFile(yaml) || !Files.isRegularFile(meta)) {
      return Optional.empty();
    }
    Map<?, ?> m = JSON.readValue(meta.toFile(), Map.class);
    return Optional.of(
        new Revision(
            number,
            Files.readString(yaml),
            Path.of((String) m.get("baseDir")),
            Instant.parse((String) m.get("appliedAt")),
            (String) m.get("source")));
  }

  @Override
  public synchronized List<Revision> history() throws IOException {
    List<Revision> revisions = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return revisions;
    }
    List<Integer> numbers = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(
          f -> {
            Matcher m = REVISION.matcher(f.getFileName().toString());
            if (m.matches()) {
              numbers.add(Integer.parseInt(m.group(1)));
            }
          });
    }
    numbers.sort(Integer::compare);
    for (int n : numbers) {
      get(n).ifPresent(revisions::add);
    }
    return revisions;
  }

  @Override
  public synchronized Revision append(String yaml, Path baseDir, String source) throws IOException {
    List<Revision> all = history();
    int number = all.isEmpty() ? 1 : all.get(all.size() - 1).number() + 1;
    Revision revision =
        new Revision(number, yaml, baseDir.toAbsolutePath().normalize(), Instant.now(), source);
    write(revision);
    return revision;
  }

  /**
   * Keeps revision {@code r} under its own number and makes it current: a follower's copy of the
   * array's revision, numbered as the array numbers it (never renumbered here).
   */
  public synchronized void keep(Revision r) throws IOException {
    write(r);
  }

  private void write(Revision revision) throws IOException {
    Files.createDirectories(dir);
    int number = revision.number();
    writeAtomically(
        dir.resolve(name(number) + ".yaml"), revision.yaml().getBytes(StandardCharsets.UTF_8));
    writeAtomically(
        dir.resolve(name(number) + ".json"),
        JSON.writeValueAsBytes(
            Map.of(
                "revision",
                number,
                "baseDir",
                revision.baseDir().toString(),
                "appliedAt",
                revision.appliedAt().toString(),
                "source",
                revision.source())));
    writeAtomically(dir.resolve("CURRENT"), (number + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  private static String name(int number) {
    return String.format("%06d", number);
  }

  private void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel channel =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(bytes));
      channel.force(true);
    }
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
      folder.force(true);
    } catch (IOException | UnsupportedOperationException notOnThisPlatform) {
      // Some file systems cannot sync a directory; the rename is still atomic.
    }
  }
}
