package org.metamut.jobs.output;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The output layer on Hadoop's LocalFileSystem over a real temporary folder. */
class OutputFolderTest {
  static LocalFileSystem fs;

  @BeforeAll
  static void localFs() throws IOException {
    fs = FileSystem.getLocal(new Configuration());
  }

  private static org.apache.hadoop.fs.Path hp(Path p) {
    return new org.apache.hadoop.fs.Path(p.toUri());
  }

  /** Publishes a folder holding {@code files} (name -> text) into {@code target} for {@code job}. */
  private static OutputFolder publish(Path target, String job, Map<String, String> files) throws IOException {
    OutputFolder out = OutputFolder.open(fs, hp(target), job, "run-" + job);
    Path staged = Path.of(out.staging().toUri());
    for (var e : files.entrySet()) {
      Files.createDirectories(staged.resolve(e.getKey()).getParent());
      Files.writeString(staged.resolve(e.getKey()), e.getValue());
    }
    out.publish();
    return out;
  }

  /** Every file under {@code dir} (relative path -> content), including hidden ones. */
  private static Map<String, String> tree(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(dir.relativize(p).toString(), Files.readString(p, StandardCharsets.ISO_8859_1));
      }
    }
    return m;
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void publishReplacesTheWholeFolderAndMarksIt(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    publish(out, "score", Map.of("a.txt", "one", "sub/b.txt", "two"));
    assertEquals(List.of(OutputMarker.FILE, "a.txt", "sub"), names(out));
    OutputMarker m = OutputMarker.read(fs, hp(out)).orElseThrow();
    assertEquals("score", m.job());
    assertEquals("run-score", m.runId());
    assertFalse(m.metamut().isBlank());
    assertFalse(m.writtenAt().isBlank());

    publish(out, "score", Map.of("c.txt", "three"));
    assertEquals(List.of(OutputMarker.FILE, "c.txt"), names(out), "only the new version");
    assertEquals(List.of("out"), names(tmp), "no staging or moved-aside leftovers");
  }

  @Test
  void aDeathBetweenTheTwoRenamesIsRepairedByTheNextOpen(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    publish(out, "score", Map.of("a.txt", "old"));
    // died after moving the old version aside, before renaming the staged one in
    Path aside = tmp.resolve(".out.old-0123abcd");
    Files.move(out, aside);
    Path staged = tmp.resolve(".out.tmp-89abcdef");
    Files.createDirectories(staged);
    Files.writeString(staged.resolve("a.txt"), "half-new");
    OutputFolder o = OutputFolder.open(fs, hp(out), "score", "r2");
    assertTrue(o.recovered().isPresent());
    assertEquals("old", Files.readString(out.resolve("a.txt")), "the previous complete version is back");
    assertEquals(List.of("out"), names(tmp));

    // died after renaming the new one in, before deleting the old one
    Files.createDirectories(aside);
    Files.writeString(aside.resolve("a.txt"), "older");
    OutputFolder.open(fs, hp(out), "score", "r3");
    assertEquals("old", Files.readString(out.resolve("a.txt")));
    assertEquals(List.of("out"), names(tmp), "the moved-aside version is deleted");
  }

  @Test
  void aForeignNonEmptyFolderIsRefusedWithOneLineAndEveryFileStays(@TempDir Path tmp) throws Exception {
    Path mine = tmp.resolve("home");
    Files.createDirectories(mine.resolve("notes/.git"));
    Files.writeString(mine.resolve("thesis.tex"), "years of work");
    Files.writeString(mine.resolve("notes/.git/HEAD"), "ref");
    Map<String, String> before = tree(tmp);
    OutputRefusedException e = assertThrows(OutputRefusedException.class,
        () -> publish(mine, "score", Map.of("a.txt", "x")));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().contains(mine.toString()) && e.getMessage().contains("choose another output folder"),
        e.getMessage());
    assertEquals(before, tree(tmp), "nothing changed, nothing added");

    // another job's output is not this job's either
    Path trained = tmp.resolve("trained");
    publish(trained, "meta-train", Map.of("model.mmut", "m"));
    Map<String, String> before2 = tree(tmp);
    OutputRefusedException e2 = assertThrows(OutputRefusedException.class,
        () -> OutputFolder.open(fs, hp(trained), "score", "r"));
    assertTrue(e2.getMessage().contains("output of metamut meta-train, not score"), e2.getMessage());
    assertEquals(before2, tree(tmp));

    // a file where the folder should be
    Path file = tmp.resolve("file");
    Files.writeString(file, "data");
    assertThrows(OutputRefusedException.class, () -> OutputFolder.open(fs, hp(file), "score", "r"));
    assertEquals("data", Files.readString(file));
  }

  @Test
  void anEmptyFolderAMissingOneAndALegacyOutputAreFine(@TempDir Path tmp) throws Exception {
    Files.createDirectories(tmp.resolve("empty"));
    publish(tmp.resolve("empty"), "evaluate", Map.of("report.html", "r"));
    assertTrue(Files.exists(tmp.resolve("empty/report.html")));
    publish(tmp.resolve("new/deeper"), "evaluate", Map.of("report.html", "r"));
    assertTrue(Files.exists(tmp.resolve("new/deeper/" + OutputMarker.FILE)));

    Path legacy = tmp.resolve("legacy");
    Files.createDirectories(legacy);
    Files.writeString(legacy.resolve("report.html"), "written before markers existed");
    Files.writeString(legacy.resolve("results.csv"), "x");
    assertThrows(OutputRefusedException.class, () -> OutputFolder.open(fs, hp(legacy), "evaluate", "r"));
    OutputFolder o = OutputFolder.open(fs, hp(legacy), "evaluate", "r", Set.of("report.html"));
    Files.writeString(Path.of(o.staging().toUri()).resolve("report.html"), "new");
    o.publish();
    assertEquals(List.of(OutputMarker.FILE, "report.html"), names(legacy));
  }

  @Test
  void abortLeavesThePreviousVersion(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    publish(out, "score", Map.of("a.txt", "v1"));
    OutputFolder o = OutputFolder.open(fs, hp(out), "score", "r2");
    Files.writeString(Path.of(o.staging().toUri()).resolve("a.txt"), "partial");
    o.abort();
    assertEquals("v1", Files.readString(out.resolve("a.txt")));
    assertEquals(List.of("out"), names(tmp));
  }

  @Test
  void aFileIsReplacedAtomicallyAndAFolderOfItsNameIsRefused(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("models/m.mmut");
    AtomicFile.write(fs, hp(f), o -> o.write("v1".getBytes(StandardCharsets.UTF_8)));
    AtomicFile.write(f.toString(), new Configuration(), o -> o.write("v2".getBytes(StandardCharsets.UTF_8)));
    assertEquals("v2", Files.readString(f));
    assertEquals(List.of("m.mmut"), names(tmp.resolve("models")), "no temporary or .crc files");

    assertThrows(IOException.class, () -> AtomicFile.write(fs, hp(f), o -> {
      o.write("half".getBytes(StandardCharsets.UTF_8));
      throw new IOException("disk full");
    }));
    assertEquals("v2", Files.readString(f), "a failed write changes nothing");
    assertEquals(List.of("m.mmut"), names(tmp.resolve("models")));

    Path dir = tmp.resolve("dir.mmut");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("keep"), "k");
    assertThrows(OutputRefusedException.class,
        () -> AtomicFile.write(fs, hp(dir), o -> o.write(1)));
    assertEquals("k", Files.readString(dir.resolve("keep")));
  }
}
