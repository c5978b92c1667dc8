package org.metamut.jobs.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.output.OutputFolder;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal roll-forward ({@link OutputStore#recover}), from the files a crash leaves: a run died after the
 * variants commit, in the middle of the proteins/episodes/manifest commit (journal written, proteins swapped,
 * episodes moved aside but not yet replaced, manifest untouched). The next run must finish that commit, so that
 * new variants never sit beside old episodes.
 */
class JournalRecoveryTest {

  @TempDir
  java.nio.file.Path out;

  private static void write(java.nio.file.Path dir, String text) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("part-0.txt"), text);
  }

  @Test
  void aCrashInTheSecondCommitIsRolledForwardByTheNextRun() throws Exception {
    // the previous run's outputs, and this run's already committed variants
    write(out.resolve("proteins"), "old proteins");
    write(out.resolve("episodes"), "old episodes");
    Files.writeString(out.resolve(IngestJob.MANIFEST), "old manifest");
    write(out.resolve("variants/source=a"), "new variants");
    OutputStore store = new OutputStore(out.toString(), new Configuration());
    OutputFolder.mark(store.fs(), store.path("proteins"), OutputStore.JOB, "previous");
    OutputFolder.mark(store.fs(), store.path("episodes"), OutputStore.JOB, "previous");

    // what commit() had written when the process died: staged and marked outputs, then the journal
    Path staging = store.newStaging();
    java.nio.file.Path st = out.resolve(staging.getName());
    write(st.resolve("proteins"), "new proteins");
    write(st.resolve("episodes"), "new episodes");
    Files.writeString(st.resolve(IngestJob.MANIFEST), "new manifest");
    for (String t : List.of("proteins", "episodes")) {
      OutputFolder.mark(store.fs(), new Path(staging, t), OutputStore.JOB, "crashed");
    }
    StringBuilder journal = new StringBuilder();
    for (String t : List.of("proteins", "episodes", IngestJob.MANIFEST)) {
      journal.append(new Path(staging, t)).append('\t').append(store.path(t)).append('\n');
    }
    Files.writeString(out.resolve(OutputStore.JOURNAL), journal.toString());
    // ... proteins swapped in; episodes moved aside, the staged one not yet renamed in
    deleteTree(out.resolve("proteins"));
    Files.move(st.resolve("proteins"), out.resolve("proteins"));
    Files.move(out.resolve("episodes"), out.resolve(".episodes.old-0123abcd"));

    OutputStore next = new OutputStore(out.toString(), new Configuration());
    assertTrue(next.recover("proteins", "episodes"), "the interrupted commit is reported");
    assertEquals("new proteins", Files.readString(out.resolve("proteins/part-0.txt")));
    assertEquals("new episodes", Files.readString(out.resolve("episodes/part-0.txt")));
    assertEquals("new manifest", Files.readString(out.resolve(IngestJob.MANIFEST)));
    assertEquals("new variants", Files.readString(out.resolve("variants/source=a/part-0.txt")));
    assertFalse(Files.exists(out.resolve(OutputStore.JOURNAL)), "journal removed once done");
    try (var s = Files.list(out)) {
      assertEquals(List.of("episodes", IngestJob.MANIFEST, "proteins", "variants"),
          s.map(p -> p.getFileName().toString()).sorted().toList(), "no staging or moved-aside leftovers");
    }
    assertFalse(next.recover("proteins", "episodes"), "a second recovery has nothing to do");
  }

  private static void deleteTree(java.nio.file.Path p) throws Exception {
    try (var walk = Files.walk(p)) {
      for (java.nio.file.Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
