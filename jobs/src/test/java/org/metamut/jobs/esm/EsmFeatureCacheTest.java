package org.metamut.jobs.esm;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.esm.Esm2Model;
import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.lib.esm.EsmFeatureStore;
import org.metamut.lib.esm.EsmScorer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Parquet ESM feature cache with the tiny checkpoint and real files: a second run reads every variant back bit
 * for bit and runs no forward pass (counted by {@link Esm2Model#forwardPasses}); another fingerprint never reads the
 * first one's rows; a truncated, unfinished or misplaced cache is ignored and rebuilt, never read.
 */
class EsmFeatureCacheTest {
  static final String WT = "MQYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE";
  static final String OTHER = "MKTAYIAKQRQISFVKSHFSRQ";

  private static List<Variant> variants() {
    List<Variant> v = new ArrayList<>(List.of(Variant.of(WT, "V39A"), Variant.of(WT, "D40G", "G41W"),
        Variant.of(WT, "G41W", "D40G"), // the same variant written in another order: one key
        Variant.of(WT), Variant.of(WT, "M1A", "K4R", "T55S"), Variant.of(OTHER, "K2A"), Variant.of(OTHER, "Q11E")));
    return v;
  }

  private static String fingerprint() {
    return EsmCheckpoint.open(TinyCheckpoint.dir()).fingerprint();
  }

  private static EsmFeatureCache.Result resolve(Path root, String fingerprint, List<Variant> vs, List<String> said) {
    return new EsmFeatureCache(LocalSpark.get(), said::add).resolve(root.toString(), TinyCheckpoint.dir().toString(),
        fingerprint, true, vs);
  }

  private static Path partFile(String folder) throws IOException {
    try (Stream<Path> s = Files.list(Path.of(folder, EsmFeatureCache.DATA))) {
      return s.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
    }
  }

  @Test
  void aSecondRunIsACacheHitWithBitIdenticalFeaturesAndNoForwardPass(@TempDir Path tmp) throws Exception {
    String fp = fingerprint();
    List<Variant> vs = variants();
    long before = Esm2Model.forwardPasses();
    EsmFeatureCache.Result r1 = resolve(tmp, fp, vs, new ArrayList<>());
    assertEquals(6, r1.requested());
    assertEquals(0, r1.hits());
    assertEquals(6, r1.computed());
    assertNull(r1.ignored());
    long afterFirst = Esm2Model.forwardPasses();
    assertTrue(afterFirst - before >= 6, "one pass per variant at least: " + (afterFirst - before));

    // the values are EsmScorer's, bit for bit
    EsmScorer direct = new EsmScorer(Esm2Model.load(TinyCheckpoint.dir()));
    for (Variant v : vs) {
      EsmFeatureStore.Entry e = r1.store().get(v);
      assertNotNull(e, v.label());
      assertArrayEquals(direct.siteEmbedding(v), e.embedding(), v.label());
      assertEquals(Double.doubleToLongBits(direct.zeroShot(v)), Double.doubleToLongBits(e.zeroShot()), v.label());
    }
    long passes = Esm2Model.forwardPasses();

    List<String> said = new ArrayList<>();
    EsmFeatureCache.Result r2 = resolve(tmp, fp, vs, said);
    assertEquals(6, r2.hits());
    assertEquals(0, r2.computed());
    assertEquals(passes, Esm2Model.forwardPasses(), "a hit runs no forward pass");
    for (Variant v : vs) {
      assertArrayEquals(r1.store().get(v).embedding(), r2.store().get(v).embedding(), v.label());
      assertEquals(Double.doubleToLongBits(r1.store().get(v).zeroShot()),
          Double.doubleToLongBits(r2.store().get(v).zeroShot()), v.label());
    }
    assertTrue(said.stream().anyMatch(s -> s.contains("6 from the cache, 0 computed")), said.toString());

    // more variants: only the new ones are computed, and the cache keeps both
    List<Variant> more = new ArrayList<>(vs);
    more.add(Variant.of(WT, "E19Q"));
    EsmFeatureCache.Result r3 = resolve(tmp, fp, more, new ArrayList<>());
    assertEquals(6, r3.hits());
    assertEquals(1, r3.computed());
    assertEquals(7, new ObjectMapper().readTree(Path.of(r3.folder(), EsmFeatureCache.MANIFEST).toFile())
        .path("rows").asLong());
    assertEquals(7, resolve(tmp, fp, more, new ArrayList<>()).hits());
  }

  @Test
  void zeroShotOnlyRowsServeScoresAndAreReplacedWhenAnEmbeddingIsNeeded(@TempDir Path tmp) throws Exception {
    String fp = fingerprint();
    List<Variant> vs = variants();
    EsmFeatureCache cache = new EsmFeatureCache(LocalSpark.get(), s -> { });
    Variant kept = Variant.of(WT, "E19Q"); // stored whole first: its row must survive the later replacement as it is
    assertEquals(1, resolve(tmp, fp, List.of(kept), new ArrayList<>()).computed());
    long before = Esm2Model.forwardPasses();
    EsmFeatureCache.Result z = cache.resolve(tmp.toString(), TinyCheckpoint.dir().toString(), fp, true, vs, false);
    assertEquals(6, z.computed());
    long zeroShotPasses = Esm2Model.forwardPasses() - before;
    EsmScorer direct = new EsmScorer(Esm2Model.load(TinyCheckpoint.dir()));
    for (Variant v : vs) {
      assertEquals(0, z.store().get(v).embedding().length, v.label());
      assertEquals(Double.doubleToLongBits(direct.zeroShot(v)), Double.doubleToLongBits(z.store().get(v).zeroShot()));
    }
    // a zero-shot run again: all hits; a run that needs embeddings recomputes them and replaces those rows
    assertEquals(6, cache.resolve(tmp.toString(), TinyCheckpoint.dir().toString(), fp, true, vs, false).hits());
    List<Variant> more = new ArrayList<>(vs);
    more.add(kept);
    EsmFeatureCache.Result full = resolve(tmp, fp, more, new ArrayList<>());
    assertEquals(1, full.hits());
    assertEquals(6, full.computed());
    for (Variant v : more) {
      assertArrayEquals(direct.siteEmbedding(v), full.store().get(v).embedding(), v.label());
    }
    // one row per variant on disk, as the manifest says; read back whole with no forward pass
    List<org.apache.spark.sql.Row> rows = LocalSpark.get().read().parquet(full.folder() + "/" + EsmFeatureCache.DATA)
        .collectAsList();
    assertEquals(7, rows.size());
    assertEquals(7, rows.stream().map(r -> r.getString(1) + "|" + r.getString(2)).distinct().count());
    assertTrue(rows.stream().allMatch(r -> r.getList(3).size() == 32), "every row has its embedding now");
    assertEquals(7, new ObjectMapper().readTree(Path.of(full.folder(), EsmFeatureCache.MANIFEST).toFile())
        .path("rows").asLong());
    long passes = Esm2Model.forwardPasses();
    EsmFeatureCache.Result again = resolve(tmp, fp, more, new ArrayList<>());
    assertEquals(7, again.hits(), String.valueOf(again.ignored()));
    assertEquals(passes, Esm2Model.forwardPasses());
    assertTrue(zeroShotPasses > 0);
    assertThrows(IllegalArgumentException.class, () -> cache.resolve(tmp.toString(), TinyCheckpoint.dir().toString(), fp,
        false, vs, false), "the score alone needs the LM head");
  }

  @Test
  void pruneRemovesOtherCheckpointsCacheFoldersOnlyAndTheKeptOneStillServes(@TempDir Path tmp) throws Exception {
    String fp = fingerprint();
    List<Variant> vs = variants();
    Path root = tmp.resolve("cache");
    EsmFeatureCache.Result mine = resolve(root, fp, vs, new ArrayList<>());
    String other = "sha256:" + "0".repeat(64);
    EsmFeatureCache.Result theirs = resolve(root, other, vs, new ArrayList<>());
    assertTrue(Files.isDirectory(Path.of(theirs.folder(), EsmFeatureCache.DATA)));
    // a writer of the other checkpoint killed mid-run, a folder named like a cache but not ours, and a file of the user's
    Path stray = root.resolve(".sha256-" + "0".repeat(64) + ".tmp-0badf00d");
    Files.createDirectories(stray.resolve(EsmFeatureCache.DATA));
    Files.write(stray.resolve(EsmFeatureCache.DATA).resolve("part-0.parquet"), new byte[] {1, 2, 3});
    Path foreign = root.resolve("sha256-" + "1".repeat(64));
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("mine.txt"), "not a cache");
    Path notes = Files.writeString(root.resolve("notes.txt"), "keep me");
    Path mineLeftover = root.resolve("." + Path.of(mine.folder()).getFileName() + ".tmp-0123abcd");
    Files.createDirectories(mineLeftover);

    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
    org.apache.hadoop.fs.Path r = new org.apache.hadoop.fs.Path(root.toString());
    EsmFeatureCache.Pruned dry = EsmFeatureCache.prune(fs, r, fp, true);
    assertEquals(List.of(stray.toString(), theirs.folder()), dry.removed());
    assertTrue(dry.bytes() > Files.size(partFile(theirs.folder())), "the sizes of what would go: " + dry.bytes());
    assertEquals(1, dry.skipped().size(), dry.skipped().toString());
    assertTrue(dry.skipped().get(0).contains(foreign.toString()) && dry.skipped().get(0).contains("not written by metamut"),
        dry.skipped().get(0));
    assertTrue(Files.exists(Path.of(theirs.folder())) && Files.exists(stray), "a dry run removes nothing");

    EsmFeatureCache.Pruned done = EsmFeatureCache.prune(fs, r, fp, false);
    assertEquals(dry.removed(), done.removed());
    assertEquals(dry.bytes(), done.bytes());
    assertFalse(Files.exists(Path.of(theirs.folder())));
    assertFalse(Files.exists(stray));
    assertTrue(Files.exists(foreign.resolve("mine.txt")) && Files.exists(notes) && Files.exists(mineLeftover),
        "only the other checkpoint's cache output goes");
    // the kept cache serves every variant from its Parquet files, with no forward pass
    long passes = Esm2Model.forwardPasses();
    EsmFeatureCache.Result again = resolve(root, fp, vs, new ArrayList<>());
    assertEquals(6, again.hits());
    assertNull(again.ignored());
    assertEquals(passes, Esm2Model.forwardPasses());
    assertEquals(List.of(), EsmFeatureCache.prune(fs, r, fp, false).removed(), "nothing left to prune");
    assertEquals(List.of(), EsmFeatureCache.prune(fs, new org.apache.hadoop.fs.Path(tmp.resolve("none").toString()), fp,
        false).removed(), "no cache yet: nothing to do");
  }

  @Test
  void anotherFingerprintMissesAndNeverReadsTheFirstOnesRows(@TempDir Path tmp) throws Exception {
    String fp = fingerprint();
    List<Variant> vs = variants();
    EsmFeatureCache.Result a = resolve(tmp, fp, vs, new ArrayList<>());
    String other = "sha256:" + "0".repeat(64);
    EsmFeatureCache.Result b = resolve(tmp, other, vs, new ArrayList<>());
    assertFalse(a.folder().equals(b.folder()));
    assertEquals(0, b.hits());
    assertEquals(6, b.computed());

    // the first checkpoint's files put where the other's belong: refused by the manifest, rebuilt
    Path bFolder = Path.of(b.folder());
    deleteTree(bFolder);
    copyTree(Path.of(a.folder()), bFolder);
    List<String> said = new ArrayList<>();
    EsmFeatureCache.Result c = resolve(tmp, other, vs, said);
    assertEquals(0, c.hits());
    assertNotNull(c.ignored());
    assertTrue(c.ignored().contains("is for checkpoint " + fp), c.ignored());
    assertTrue(said.stream().anyMatch(s -> s.contains("ignored")), said.toString());
  }

  @Test
  void aTruncatedOrUnfinishedCacheIsNotRead(@TempDir Path tmp) throws Exception {
    String fp = fingerprint();
    List<Variant> vs = variants();
    EsmFeatureCache.Result r1 = resolve(tmp, fp, vs, new ArrayList<>());

    // truncated data file (a copy cut short, a disk that filled up): ignored, recomputed, rewritten whole
    Path part = partFile(r1.folder());
    long size = Files.size(part);
    try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
      ch.truncate(size / 2);
    }
    EsmFeatureCache.Result r2 = resolve(tmp, fp, vs, new ArrayList<>());
    assertEquals(0, r2.hits());
    assertEquals(6, r2.computed());
    assertTrue(r2.ignored().contains("truncated or partial"), r2.ignored());
    assertEquals(6, resolve(tmp, fp, vs, new ArrayList<>()).hits(), "rebuilt whole");

    // no manifest (written last: a writer died before it): ignored
    Files.delete(Path.of(r1.folder(), EsmFeatureCache.MANIFEST));
    EsmFeatureCache.Result r3 = resolve(tmp, fp, vs, new ArrayList<>());
    assertEquals(0, r3.hits());
    assertTrue(r3.ignored().contains("no " + EsmFeatureCache.MANIFEST), r3.ignored());

    // a staged folder a killed run left beside the cache: never read, removed; the cache itself still serves
    Path folder = Path.of(r1.folder());
    Path leftover = folder.resolveSibling("." + folder.getFileName() + ".tmp-0badf00d");
    Files.createDirectories(leftover.resolve(EsmFeatureCache.DATA));
    Files.write(leftover.resolve(EsmFeatureCache.DATA).resolve("part-00000.parquet"), new byte[] {1, 2, 3});
    EsmFeatureCache.Result r4 = resolve(tmp, fp, vs, new ArrayList<>());
    assertEquals(6, r4.hits());
    assertFalse(Files.exists(leftover));

    // a data file the manifest does not list (a stray part from another write): ignored
    Files.copy(partFile(r1.folder()), Path.of(r1.folder(), EsmFeatureCache.DATA, "part-99999-stray.parquet"));
    EsmFeatureCache.Result r5 = resolve(tmp, fp, vs, new ArrayList<>());
    assertEquals(0, r5.hits());
    assertTrue(r5.ignored().contains("truncated or partial"), r5.ignored());
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  @Test
  void keysIgnoreMutationOrderAndSeparateProteins() {
    assertEquals(CachedFeatures.key(Variant.of(WT, "D40G", "G41W")), CachedFeatures.key(Variant.of(WT, "G41W", "D40G")));
    assertFalse(CachedFeatures.key(Variant.of(WT, "M1A")).equals(CachedFeatures.key(Variant.of(OTHER, "M1A"))));
    assertTrue(Arrays.asList(EsmFeatureCache.SCHEMA.fieldNames()).containsAll(List.of("fingerprint", "protein", "variant")));
  }
}
