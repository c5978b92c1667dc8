package org.metamut.jobs.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.cli.CliTestAccess;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.esm.EsmFeatureCache;
import org.metamut.jobs.esm.TinyCheckpoint;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.esm.Esm2Model;
import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.lib.esm.EsmScorer;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code score --esm-zero-shot} with the tiny checkpoint (random weights: the numbers mean nothing, their equality
 * with {@link EsmScorer} is what is tested): every scored variant's score is exactly EsmScorer's zero-shot score,
 * multi-mutants included; rejected rows and counts follow the score job's rules; a missing checkpoint, or one without
 * the LM head, is one line.
 */
class EsmZeroShotScoreTest {
  static final String WT = ScoreRunTest.WT;

  private static MetamutConfig config(Path tmp, String checkpoint) {
    return MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\nmetamut.score.partitions = 3\n"
        + "metamut.score.top-n = 5\nmetamut.esm.checkpoint = \"" + checkpoint + "\"\n");
  }

  private static ScoreRequest request(Path fasta, ScoreRequest.Library lib, Path out) {
    return new ScoreRequest("gb1", fasta.toString(), null, false, null, null, null, null, lib, Notation.oneBased(),
        out.toString());
  }

  @Test
  void scoresAreEsmScorersZeroShotScoresForSinglesAndMultiMutants(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">gb1\n" + WT + "\n");
    Path library = tmp.resolve("library.csv");
    Files.write(library, List.of("variant", "V39A", "D40G:G41W", "M1A:K4R:T55S", "WT", "X5A", "Q2Q2", "E19Q"));
    List<String> said = new ArrayList<>();
    ScoreRun run = new ScoreRun(LocalSpark.get(), config(tmp, ""), said::add);
    Path out = tmp.resolve("out");
    ScoreJob.Result r = run.runEsmZeroShot(request(fasta, ScoreRequest.Library.file(library.toString(), null), out),
        TinyCheckpoint.dir().toString());
    assertEquals(7, r.input());
    assertEquals(r.input(), r.scored() + r.rejected());
    assertEquals(2, r.rejected(), r.rejectedByReason().toString()); // X5A (wrong wild type), Q2Q2 (not a variant)

    EsmScorer direct = new EsmScorer(Esm2Model.load(TinyCheckpoint.dir()));
    Map<String, Double> got = new HashMap<>();
    List<Row> rows = LocalSpark.get().read().parquet(out.resolve("scores").toString()).collectAsList();
    for (Row row : rows) {
      got.put(row.getString(row.fieldIndex("variant")), row.getDouble(row.fieldIndex("score")));
      assertTrue(row.isNullAt(row.fieldIndex("score_sd")), "no SD");
      assertTrue(row.isNullAt(row.fieldIndex("score_label_units")), "no labels");
      assertTrue(row.getString(row.fieldIndex("model_id")).startsWith("esm-zero-shot-"), row.toString());
    }
    assertEquals(5, got.size(), got.toString());
    for (String v : List.of("V39A", "D40G:G41W", "M1A:K4R:T55S", "WT", "E19Q")) {
      List<Mutation> muts = v.equals("WT") ? List.of() : java.util.Arrays.stream(v.split(":")).map(Mutation::parse).toList();
      double expected = direct.zeroShot(new Variant(WT, muts));
      assertEquals(expected, got.get(v), 0.0, v); // the same code on the same floats: bit for bit
    }
    assertEquals(0.0, got.get("WT"), 0.0);
    // a multi-mutant is the sum over its sites, each masked in the wild type
    double sum = direct.zeroShot(Variant.of(WT, "M1A")) + direct.zeroShot(Variant.of(WT, "K4R"))
        + direct.zeroShot(Variant.of(WT, "T55S"));
    assertEquals(sum, got.get("M1A:K4R:T55S"), 1e-12);

    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    String fp = EsmCheckpoint.open(TinyCheckpoint.dir()).fingerprint();
    assertEquals(fp, summary.path("provenance").path("esm_fingerprint").asText());
    assertEquals("none", summary.path("predictive_sd").asText());
    assertTrue(summary.path("score_scale").asText().contains("masked-marginal"), summary.toString());
    assertTrue(Files.readString(out.resolve("top.csv")).lines().count() == 6, "header + top 5");
    assertTrue(Files.exists(out.resolve("_METAMUT.json")));
    assertTrue(said.stream().anyMatch(s -> s.startsWith("summary: top")), said.toString());
  }

  @Test
  void aGeneratedLibraryScoresEverySingleMutantLikeEsmScorer(@TempDir Path tmp) throws Exception {
    String wt = WT.substring(0, 12);
    Path fasta = tmp.resolve("p.fasta");
    Files.writeString(fasta, ">gb1\n" + wt + "\n");
    Path out = tmp.resolve("singles");
    ScoreJob.Result r = new ScoreRun(LocalSpark.get(), config(tmp, TinyCheckpoint.dir().toString()), s -> { })
        .runEsmZeroShot(request(fasta, ScoreRequest.Library.singles(), out), TinyCheckpoint.dir().toString());
    assertEquals(12 * 19, r.scored());
    EsmScorer direct = new EsmScorer(Esm2Model.load(TinyCheckpoint.dir()));
    for (Row row : LocalSpark.get().read().parquet(out.resolve("scores").toString()).collectAsList()) {
      Variant v = Variant.of(wt, row.getString(row.fieldIndex("variant")));
      assertEquals(direct.zeroShot(v), row.getDouble(row.fieldIndex("score")), 0.0, v.label());
    }
  }

  @Test
  void aSecondRunOnTheSameLibraryReadsTheFeatureCacheAndRunsNoForwardPass(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">gb1\n" + WT + "\n");
    Path library = tmp.resolve("library.csv");
    Files.write(library, List.of("variant", "V39A", "D40G:G41W", "M1A:K4R:T55S", "WT", "X5A", "E19Q", "V39A"));
    String tiny = TinyCheckpoint.dir().toString();
    ScoreRequest.Library lib = ScoreRequest.Library.file(library.toString(), null);
    ScoreRun first = new ScoreRun(LocalSpark.get(), config(tmp, tiny), s -> { });
    first.runEsmZeroShot(request(fasta, lib, tmp.resolve("one")), tiny);
    assertEquals(5, first.lastEsmCache.requested(), "distinct valid variants");
    assertEquals(5, first.lastEsmCache.computed());
    assertTrue(first.lastEsmCache.folder().startsWith(tmp.resolve("esm-features") + "/sha256-"));
    // stored with the score alone: no embedding pass was paid for a zero-shot run
    for (Row row : LocalSpark.get().read().parquet(first.lastEsmCache.folder() + "/" + EsmFeatureCache.DATA).collectAsList()) {
      assertEquals(0, row.getList(row.fieldIndex("embedding")).size(), row.toString());
    }

    long passes = Esm2Model.forwardPasses();
    ScoreRun second = new ScoreRun(LocalSpark.get(), config(tmp, tiny), s -> { });
    second.runEsmZeroShot(request(fasta, lib, tmp.resolve("two")), tiny);
    assertEquals(passes, Esm2Model.forwardPasses(), "every score read from the cache");
    assertEquals(0, second.lastEsmCache.computed());
    assertEquals(5, second.lastEsmCache.hits());
    assertEquals(scores(tmp.resolve("one")), scores(tmp.resolve("two")));

    // the cache off: the model runs again, the same scores
    ScoreRun off = new ScoreRun(LocalSpark.get(), MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\n"
        + "metamut.score.partitions = 3\nmetamut.esm.feature-cache = none\n"), s -> { });
    off.runEsmZeroShot(request(fasta, lib, tmp.resolve("three")), tiny);
    assertEquals(null, off.lastEsmCache);
    assertTrue(Esm2Model.forwardPasses() > passes, "without the cache the scores are computed");
    assertEquals(scores(tmp.resolve("one")), scores(tmp.resolve("three")));
  }

  /** variant → score of a score run's output. */
  static Map<String, Double> scores(Path out) {
    Map<String, Double> m = new java.util.TreeMap<>();
    for (Row row : LocalSpark.get().read().parquet(out.resolve("scores").toString()).collectAsList()) {
      m.put(row.getString(row.fieldIndex("variant")), row.getDouble(row.fieldIndex("score")));
    }
    assertFalse(m.isEmpty());
    return m;
  }

  @Test
  void noCheckpointOrNoLmHeadIsOneLine(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">gb1\n" + WT + "\n");
    String[] res = CliTestAccess.run("score", "--fasta", fasta.toString(), "--esm-zero-shot", "--singles",
        "--output", tmp.resolve("s").toString(), "-Dmetamut.run.output-dir=" + tmp.resolve("o"));
    assertEquals("1", res[0], res[1]);
    assertEquals(1, res[1].strip().lines().count(), res[1]);
    assertEquals("metamut score: " + ScoreRun.NO_CHECKPOINT, res[1].strip());
    assertFalse(Files.exists(tmp.resolve("s")));

    Path headless = TinyCheckpoint.withoutLmHead(tmp.resolve("headless"));
    res = CliTestAccess.run("score", "--fasta", fasta.toString(), "--esm-zero-shot", "--checkpoint", headless.toString(),
        "--singles", "--output", tmp.resolve("s").toString(), "-Dmetamut.run.output-dir=" + tmp.resolve("o"));
    assertEquals("1", res[0], res[1]);
    assertEquals(1, res[1].strip().lines().count(), res[1]);
    assertTrue(res[1].startsWith("metamut score: " + headless + ": --esm-zero-shot needs the LM head"), res[1]);
    assertFalse(Files.exists(tmp.resolve("s").resolve("scores")));

    // the same through the API; and --model with --esm-zero-shot is refused
    ScoreRun run = new ScoreRun(LocalSpark.get(), config(tmp, ""), s -> { });
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run.runEsmZeroShot(request(fasta, ScoreRequest.Library.singles(), tmp.resolve("t")), ""));
    assertEquals(ScoreRun.NO_CHECKPOINT, e.getMessage());
    res = CliTestAccess.run("score", "--fasta", fasta.toString(), "--esm-zero-shot", "--fresh-model", "--singles",
        "--output", tmp.resolve("s").toString());
    assertEquals("metamut score: give one of --model FILE, --fresh-model and --esm-zero-shot", res[1].strip());
  }
}
