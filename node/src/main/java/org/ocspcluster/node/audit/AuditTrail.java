package org.ocspcluster.node.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ocspcluster.coordination.ZooKeeperConfigStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who changed what: every change made through a process (apply, rollback, assign-signer, refresh,
 * host and rule verbs, a controller taking or losing the lead) with the time, the caller, the verb,
 * the revision before and after, and the outcome. Appended to a local file (one JSON object a line,
 * forced to disk) and, for a process on the array, to ZooKeeper, where every process's entries
 * meet.
 */
public final class AuditTrail {
  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private volatile ZooKeeperConfigStore array;

  /** Appends to {@code file} (null: this process keeps no local trail, only the log line). */
  public AuditTrail(Path file) {
    this.file = file;
  }

  /** Also appends to the array's trail in ZooKeeper. */
  public void alsoTo(ZooKeeperConfigStore array) {
    this.array = array;
  }

  /** Records one change; never throws (a trail that cannot be written is logged as such). */
  public synchronized void record(
      String caller, String verb, int before, int after, String outcome) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("at", Instant.now().toString());
    entry.put("caller", caller);
    entry.put("verb", verb);
    entry.put("before", before);
    entry.put("after", after);
    entry.put("outcome", outcome);
    LOG.info("audit: {} by {}: {} (revision {} -> {})", verb, caller, outcome, before, after);
    byte[] line;
    try {
      line = JSON.writeValueAsBytes(entry);
    } catch (IOException e) {
      LOG.warn("audit entry not written: {}", e.getMessage());
      return;
    }
    if (file != null) {
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel out =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
          ByteBuffer bytes = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n');
          bytes.flip();
          out.write(bytes);
          out.force(true);
        }
      } catch (IOException e) {
        LOG.warn("audit trail {} not written: {}", file, e.getMessage());
      }
    }
    ZooKeeperConfigStore shared = array;
    if (shared != null && !shared.appendAudit(line)) {
      LOG.warn("audit entry kept locally only: ZooKeeper is unreachable");
    }
  }

  /**
   * The last {@code limit} entries, oldest first: the array's (from ZooKeeper) for a process on the
   * array while it is reachable, else this process's file. {@code from} says which.
   */
  public Read read(int limit) throws IOException {
    ZooKeeperConfigStore shared = array;
    List<Map<String, Object>> entries = new ArrayList<>();
    if (shared != null && shared.connected()) {
      for (byte[] e : shared.audit(limit)) {
        entries.add(parse(new String(e, StandardCharsets.UTF_8)));
      }
      return new Read(entries, "the array (ZooKeeper)");
    }
    if (file == null || !Files.isRegularFile(file)) {
      return new Read(
          entries, file == null ? "nowhere: this process keeps no trail" : file.toString());
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (String l : lines.subList(Math.max(0, lines.size() - limit), lines.size())) {
      if (!l.isBlank()) {
        entries.add(parse(l));
      }
    }
    return new Read(
        entries,
        file + (shared != null ? " (ZooKeeper is unreachable: this process's entries only)" : ""));
  }

  /** Entries read, and where from. */
  public record Read(List<Map<String, Object>> entries, String from) {}

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String json) throws IOException {
    return JSON.readValue(json, Map.class);
  }
}
