package org.ocspcluster.coordination;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderConfigStoreTest {
  @TempDir Path dir;

  @Test
  void revisionsAreNumberedKeptAndReadBackByAnotherInstance() throws Exception {
    FolderConfigStore store = new FolderConfigStore(dir.resolve("revisions"));
    assertTrue(store.current().isEmpty());
    store.append("a: 1\n", dir, "first");
    Revision second = store.append("a: 2\n", dir.resolve("elsewhere"), "second");
    assertEquals(2, second.number());

    FolderConfigStore reopened = new FolderConfigStore(dir.resolve("revisions"));
    assertEquals(2, reopened.current().orElseThrow().number());
    assertEquals("a: 2\n", reopened.current().orElseThrow().yaml());
    assertEquals(
        dir.resolve("elsewhere").toAbsolutePath(), reopened.current().orElseThrow().baseDir());
    assertEquals(List.of(1, 2), reopened.history().stream().map(Revision::number).toList());
    assertEquals("first", reopened.get(1).orElseThrow().source());
    try (var files = Files.list(dir.resolve("revisions"))) {
      assertTrue(
          files.noneMatch(f -> f.toString().endsWith(".tmp")), "no temporary file is left behind");
    }
  }
}
