package org.metamut.jobs.ingest;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.testing.LocalSpark;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Re-runs, changed inputs, injected crashes and concurrent runs, on three small real sources (full files):
 * ECNet MTH3, PON-Sol2 (multi-protein, CRLF) and the Abeta42 set.
 */
class IncrementalIngestTest {

  static MetamutConfig config(Path out, Path data) {
    return IngestTesting.config(out, data, "metamut.ingest.only = [ecnet-mth3, ponsol2, pg-aggregation]",
        "metamut.episodes.per-task = 2");
  }

  static Path copyData(Path tmp) throws Exception {
    Path real = IngestTesting.bundledData();
    Path data = tmp.resolve("data");
    for (String f : List.of("ecnet/data/MTH3_HAEAESTABILIZED_Tawfik2015.tsv", "ecnet/data/MTH3_HAEAESTABILIZED_Tawfik2015.fasta",
        "ponsol2/train_dataset.csv", "ponsol2/all_protein_sequences.csv",
        "pg-expression/gym_single/mutant/A4_HUMAN_Seuma_2021.csv", "pg-expression/gym_single/fasta/A4_HUMAN_Seuma_2021.fasta")) {
      Files.createDirectories(data.resolve(f).getParent());
      Files.copy(real.resolve(f), data.resolve(f));
    }
    return data;
  }

  /** Visible output files only: staging leftovers (.tmp-*) are not outputs. */
  static SortedMap<String, String> outputs(Path out) throws Exception {
    SortedMap<String, String> all = IngestTesting.snapshot(out);
    SortedMap<String, String> visible = new TreeMap<>();
    all.forEach((k, v) -> {
      if (!k.startsWith(".")) {
        visible.put(k, v);
      }
    });
    return visible;
  }

  @Test
  void unchangedRerunChangedSourceAloneAndCrashesLeaveThePreviousVersion(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    Path data = copyData(tmp);
    Path out = tmp.resolve("out");
    MetamutConfig cfg = config(out, data);

    IngestJob.Result first = new IngestJob(spark, cfg, s -> { }).run();
    assertEquals(List.of("ecnet-mth3", "pg-aggregation", "ponsol2"), first.ingested());
    SortedMap<String, String> v1 = outputs(out);
    long variants1 = spark.read().parquet(out.resolve("variants").toString()).count();
    assertEquals(first.variants(), variants1);

    // 1. unchanged inputs: nothing happens, no output file changes
    IngestJob.Result second = new IngestJob(spark, cfg, s -> { }).run();
    assertTrue(second.changedNothing());
    assertEquals(v1, outputs(out));

    // 2. a changed source; the job crashes while writing, then just before the commit: previous version intact
    Path mth3 = data.resolve("ecnet/data/MTH3_HAEAESTABILIZED_Tawfik2015.tsv");
    Files.writeString(mth3, "N2A\t0.5\n", StandardOpenOption.APPEND); // N2A is not in the file
    for (IngestJob.FailurePoint fp : List.of(IngestJob.FailurePoint.DURING_VARIANT_WRITE,
        IngestJob.FailurePoint.BEFORE_COMMIT)) {
      assertThrows(Exception.class, () -> new IngestJob(spark, cfg, s -> { }, fp).run(), fp.name());
      assertEquals(v1, outputs(out), "after " + fp);
      assertEquals(variants1, spark.read().parquet(out.resolve("variants").toString()).count());
      assertFalse(Files.exists(out.resolve(OutputStore.LOCK)), "lock released after " + fp);
    }

    // 3. the next run re-ingests the changed source alone; other sources' partitions keep their files
    IngestJob.Result third = new IngestJob(spark, cfg, s -> { }).run();
    assertEquals(List.of("ecnet-mth3"), third.ingested());
    SortedMap<String, String> v3 = outputs(out);
    for (String k : v1.keySet()) {
      if (k.startsWith("variants/source=ponsol2") || k.startsWith("variants/source=pg-aggregation")) {
        assertEquals(v1.get(k), v3.get(k), k);
      }
    }
    assertNotEquals(v1.get("ingest-manifest.json"), v3.get("ingest-manifest.json"));
    assertEquals(variants1 + 1, spark.read().parquet(out.resolve("variants").toString()).count());
    assertEquals(1, spark.read().parquet(out.resolve("variants").toString())
        .filter(col("variant_id").equalTo("ecnet-mth3/MTH3_HAEAESTABILIZED_Tawfik2015/N2A")).count());
    assertTrue(Files.list(out).noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")
        || org.metamut.jobs.output.OutputFolder.isLeftover(p.getFileName().toString())), "staging cleaned");
    assertTrue(Files.exists(out.resolve("proteins/" + org.metamut.jobs.output.OutputMarker.FILE)), "outputs are marked");
  }

  @Test
  void aSecondConcurrentRunFailsNamingTheHolder(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    String holder = ProcessHandle.current().pid() + "\t" + InetAddress.getLocalHost().getHostName() + "\t2026-01-01T00:00:00Z";
    Files.writeString(out.resolve(OutputStore.LOCK), holder);
    MetamutConfig cfg = config(out, copyData(tmp));
    OutputStore.ConcurrentRunException e = assertThrows(OutputStore.ConcurrentRunException.class,
        () -> new IngestJob(LocalSpark.get(), cfg, s -> { }).run());
    assertTrue(e.getMessage().contains("another ingest is running (pid " + ProcessHandle.current().pid()), e.getMessage());
    assertTrue(Files.exists(out.resolve(OutputStore.LOCK)), "someone else's lock is left alone");
    assertFalse(Files.exists(out.resolve("variants")));
  }

  @Test
  void aForeignProteinsFolderIsRefusedBeforeAnyWorkAndEveryFileStays(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    Files.createDirectories(out.resolve("proteins"));
    Files.writeString(out.resolve("proteins/my-notes.txt"), "not an ingest output");
    MetamutConfig cfg = IngestTesting.config(out, copyData(tmp), "metamut.ingest.only = [pg-aggregation]",
        "metamut.episodes.per-task = 1");
    org.metamut.jobs.output.OutputRefusedException e = assertThrows(org.metamut.jobs.output.OutputRefusedException.class,
        () -> new IngestJob(LocalSpark.get(), cfg, s -> { }).run());
    assertTrue(e.getMessage().startsWith("refusing to replace " + out.resolve("proteins")), e.getMessage());
    try (var s = Files.list(out)) {
      assertEquals(List.of("proteins"), s.map(f -> f.getFileName().toString()).toList(), "nothing written, lock released");
    }
    assertEquals("not an ingest output", Files.readString(out.resolve("proteins/my-notes.txt")));
  }

  @Test
  void aLockLeftByADeadProcessIsTakenOver(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    Files.writeString(out.resolve(OutputStore.LOCK), p.pid() + "\t" + InetAddress.getLocalHost().getHostName() + "\tyesterday");
    Path data = copyData(tmp);
    MetamutConfig cfg = IngestTesting.config(out, data, "metamut.ingest.only = [pg-aggregation]",
        "metamut.episodes.per-task = 1");
    StringBuilder said = new StringBuilder();
    IngestJob.Result r = new IngestJob(LocalSpark.get(), cfg, s -> said.append(s).append('\n')).run();
    assertEquals(List.of("pg-aggregation"), r.ingested());
    assertTrue(said.toString().contains("taking over the ingest lock"), said.toString());
    @SuppressWarnings("unchecked")
    Map<String, Object> src = ((Map<String, Map<String, Object>>) r.manifest().get("sources")).get("pg-aggregation");
    assertEquals(468L, ((Number) src.get("rows_read")).longValue());
  }
}
