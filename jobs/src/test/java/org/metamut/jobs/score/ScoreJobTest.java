package org.metamut.jobs.score;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.library.CombinatorialLibrary;
import org.metamut.lib.library.SingleSubstitutions;
import org.metamut.lib.library.VariantLibrary;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoreJobTest {
  static final String WT = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ"; // 33 residues

  private static ScoringModel toy() {
    return new ScoringModel("toy-1", new ToyModel.Factory(), VariantEncoder.of(EncoderSpec.separator(64)),
        ScoringModel.ScoreScale.zScore("y", 10, 1.5, 2.0));
  }

  private static ScoreJob job(int batch, int topN, int partitions) {
    return new ScoreJob(LocalSpark.get(), new ScoreJob.Settings(batch, topN, partitions, 1000, 60_000), s -> { });
  }

  private static double direct(FlatModel m, double[] theta, VariantEncoder enc, String wt, List<Mutation> muts) {
    int[] ids = enc.encode(wt, muts).ids();
    return m.predict(theta, TokenBatch.of(1, ids.length, ids, null))[0];
  }

  private static Map<String, Double> scores(Path out) {
    return scores(out, true);
  }

  private static Map<String, Double> scores(Path out, boolean unique) {
    Map<String, Double> m = new HashMap<>();
    for (Row r : LocalSpark.get().read().parquet(out.resolve("scores").toString()).select("variant", "score").collectAsList()) {
      Double before = m.put(r.getString(0), r.getDouble(1));
      assertTrue(!unique || before == null, "variant scored once: " + r.getString(0));
    }
    return m;
  }

  @Test
  void singlesAreScoredExactlyAsTheModelPredictsThem(@TempDir Path tmp) throws Exception {
    VariantLibrary lib = new SingleSubstitutions(WT);
    Path out = tmp.resolve("singles");
    ScoreJob.Result r = job(7, 5, 3).scoreLibrary(lib, "p1", toy(), ToyModel.thetaD(), out.toString(), Map.of());
    assertEquals(WT.length() * 19L, r.input());
    assertEquals(r.input(), r.scored());
    assertEquals(0, r.rejected());
    Map<String, Double> got = scores(out);
    assertEquals(WT.length() * 19, got.size());
    ToyModel m = new ToyModel();
    List<Double> all = new ArrayList<>();
    for (long i = 0; i < lib.size(); i++) {
      List<Mutation> v = lib.get(i);
      double want = direct(m, ToyModel.thetaD(), VariantEncoder.of(EncoderSpec.separator(64)), WT, v);
      assertEquals(want, got.get(Notation.format(v)), 1e-12, "variant " + v);
      all.add(want);
    }
    Row first = LocalSpark.get().read().parquet(out.resolve("scores").toString()).filter("index = 0").first();
    assertEquals("M1A", first.getString(1));
    assertEquals(1, first.getInt(3));
    assertEquals(first.getDouble(4) * 2.0 + 1.5, first.getDouble(5), 1e-12, "score in label units");
    assertEquals("toy-1", first.getString(6));
    // top.csv: the 5 best, highest first
    List<String> top = Files.readAllLines(out.resolve("top.csv"));
    assertEquals(6, top.size());
    all.sort((a, b) -> Double.compare(b, a));
    for (int i = 0; i < 5; i++) {
      assertEquals(all.get(i), Double.parseDouble(top.get(i + 1).split(",")[4]), 1e-12);
    }
    String summary = Files.readString(out.resolve("summary.json"));
    assertTrue(summary.contains("\"scored\" : 627") && summary.contains("z-score of 'y'"), summary);
  }

  @Test
  void aFileInAnyNotationIsScoredAndBadRowsAreRejectedWithReasons(@TempDir Path tmp) throws Exception {
    String mutantSeq = WT.substring(0, 4) + "G" + WT.substring(5); // Y5G as a full sequence
    Path csv = tmp.resolve("lib.csv");
    Files.write(csv, List.of("name,mutant",
        "a,K2A",            // 1 single
        "b,K2A:T3W",        // 2 colon-separated double
        "c,\"Y5G,A7C\"",    // 3 comma-separated double
        "d,WT",             // 4 the wild type
        "e," + mutantSeq,   // 5 full sequence
        "f,K2B",            // 6 invalid residue
        "g,K99A",           // 7 out of range
        "h,A2G",            // 8 wild-type mismatch
        "i,",               // 9 empty
        "j,K2A;T3W",        // 10 semicolon
        "k,hello"));        // 11 not a notation
    Path out = tmp.resolve("file");
    var input = LibraryFiles.read(LocalSpark.get(), csv.toString(), "mutant");
    ScoreJob.Result r = job(4, 3, 2).scoreFile(input, "file", WT, Notation.oneBased(), "p1", toy(), ToyModel.thetaD(),
        out.toString(), Map.of());
    assertEquals(11, r.input());
    assertEquals(6, r.scored());
    assertEquals(5, r.rejected());
    assertEquals(r.input(), r.scored() + r.rejected());
    Map<String, Double> got = scores(out, false);
    assertEquals(5, got.size(), "K2A:T3W twice (rows 2 and 10): one key " + got.keySet());
    ToyModel m = new ToyModel();
    assertEquals(direct(m, ToyModel.thetaD(), VariantEncoder.of(EncoderSpec.separator(64)), WT, List.of(new Mutation(5, 'Y', 'G'))), got.get("Y5G"), 1e-12);
    assertTrue(got.containsKey("WT") && got.containsKey("Y5G:A7C") && got.containsKey("K2A"));
    Map<Long, String[]> rej = new HashMap<>();
    for (Row row : LocalSpark.get().read().parquet(out.resolve("rejected").toString()).collectAsList()) {
      rej.put(row.getLong(0), new String[] {row.getString(1), row.getString(2), row.getString(3)});
    }
    assertEquals("BAD_AMINO_ACID", rej.get(6L)[1]);
    assertEquals("POSITION_OUT_OF_RANGE", rej.get(7L)[1]);
    assertEquals("WT_MISMATCH", rej.get(8L)[1]);
    assertTrue(rej.get(8L)[2].contains("sequence has 'K'"), rej.get(8L)[2]);
    assertEquals("BAD_NOTATION", rej.get(9L)[1]);
    assertEquals("hello", rej.get(11L)[0]);
    assertEquals(Map.of("BAD_AMINO_ACID", 1L, "POSITION_OUT_OF_RANGE", 1L, "WT_MISMATCH", 1L, "BAD_NOTATION", 2L),
        r.rejectedByReason());
  }

  @Test
  void aRerunReplacesTheOutputWhole(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("o");
    job(8, 2, 2).scoreLibrary(new SingleSubstitutions(WT), "p1", toy(), ToyModel.thetaD(), out.toString(), Map.of());
    VariantLibrary comb = new CombinatorialLibrary(WT, Map.of(3, "AG", 9, "W"));
    job(8, 2, 2).scoreLibrary(comb, "p1", toy(), ToyModel.thetaD(), out.toString(), Map.of());
    assertEquals(comb.size(), scores(out).size(), "only the second run's rows");
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of("o"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no .tmp-/.old- leftovers");
    }
    assertTrue(Files.readString(out.resolve(org.metamut.jobs.output.OutputMarker.FILE)).contains("\"job\" : \"score\""),
        "the output is marked as the score job's");
  }

  @Test
  void nanScoresSortAfterEveryNumberInTopCsv(@TempDir Path tmp) throws Exception {
    // Spark orders NaN above every number: a θ that is NaN at W's token made every "→W" variant the "best".
    VariantEncoder enc = VariantEncoder.of(EncoderSpec.separator(64));
    java.util.Set<Integer> wt = new java.util.HashSet<>();
    for (int id : enc.encode(WT, List.of(new Mutation(1, 'M', 'A'))).ids()) {
      wt.add(id); // every token but W's (the separator encoder adds site tokens to a mutant)
    }
    double[] theta = ToyModel.thetaD();
    for (int id : enc.encode(WT, List.of(new Mutation(1, 'M', 'W'))).ids()) {
      if (!wt.contains(id)) {
        theta[id] = Double.NaN;
      }
    }
    Path out = tmp.resolve("nan");
    ScoreJob.Result r = job(8, 1000, 2).scoreLibrary(new SingleSubstitutions(WT), "p1", toy(), theta, out.toString(), Map.of());
    List<String> top = Files.readAllLines(out.resolve("top.csv"));
    assertEquals(r.scored() + 1, top.size());
    int nans = WT.length(); // one "→W" substitution per position (WT has no W)
    double previous = Double.POSITIVE_INFINITY;
    for (int i = 1; i < top.size(); i++) {
      double score = Double.parseDouble(top.get(i).split(",")[4]);
      if (i <= top.size() - 1 - nans) {
        assertTrue(Double.isFinite(score) && score <= previous, "row " + i + ": " + top.get(i));
        previous = score;
      } else {
        assertTrue(Double.isNaN(score), "row " + i + " should be NaN: " + top.get(i));
      }
    }
  }

  @Test
  void unencodableVariantsAreRejectedNotFatal(@TempDir Path tmp) {
    // A 7-token budget: BOS, EOS and one site group (3 tokens) fit; two site groups do not.
    ScoringModel small = new ScoringModel("toy-2", new ToyModel.Factory(), VariantEncoder.of(EncoderSpec.separator(7)),
        ScoringModel.ScoreScale.unlabelled("raw"));
    VariantLibrary comb = new CombinatorialLibrary(WT, Map.of(2, "A", 25, "W"));
    ScoreJob.Result r = job(8, 2, 2).scoreLibrary(comb, "p1", small, ToyModel.thetaD(), tmp.resolve("u").toString(), Map.of());
    assertEquals(3, r.input());
    assertEquals(2, r.scored());
    assertEquals(Map.of("SITES_DO_NOT_FIT", 1L), r.rejectedByReason());
    assertFalse(Files.exists(tmp.resolve("u/scores/_temporary")));
  }

  @Test
  void sessionIsShared() {
    SparkSession s = LocalSpark.get();
    assertTrue(s.sparkContext().defaultParallelism() >= 1);
  }
}
