package org.metamut.jobs.score;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelSpec;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.output.OutputRefusedException;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.library.CombinatorialLibrary;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The score job end to end with the reference transformer: adaptation, saving, reuse, direct predictions. */
class ScoreRunTest {
  static final String WT = "MQYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE"; // GB1, 56

  private static MetamutConfig config(Path tmp) {
    return MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\nmetamut.score.batch-size = 5\n"
        + "metamut.score.top-n = 4\nmetamut.score.partitions = 3\nmetamut.adapt.steps = 3\n");
  }

  private static Map<String, Double> scores(Path out) {
    Map<String, Double> m = new HashMap<>();
    for (Row r : LocalSpark.get().read().parquet(out.resolve("scores").toString()).select("variant", "score").collectAsList()) {
      m.put(r.getString(0), r.getDouble(1));
    }
    return m;
  }

  @Test
  void adaptSaveReuseAndScoresEqualTheModelsDirectPredictions(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">other\nMKV\n>gb1 domain\n" + WT.substring(0, 30) + "\n" + WT.substring(30) + "\n");
    Path labelled = tmp.resolve("labelled.tsv");
    List<String> lines = new ArrayList<>(List.of("mutant\tfitness"));
    String[] muts = {"V39A", "D40G", "G41W", "V54A", "V39A:D40G", "K10W", "T11P", "E19Q", "A24G", "X5A", "V39A:V54A"};
    for (int i = 0; i < muts.length; i++) {
      lines.add(muts[i] + "\t" + (i % 4 == 3 ? "n/a" : Double.toString(0.3 * i - 1)));
    }
    Files.write(labelled, lines);
    Path adapted = tmp.resolve("models/gb1.adapted.model");
    ScoreRequest.Library lib = ScoreRequest.Library.combinatorial("39:AG,40:*");
    List<String> said = new ArrayList<>();
    ScoreRun run = new ScoreRun(LocalSpark.get(), config(tmp), said::add);
    ScoreJob.Result r1 = run.run(new ScoreRequest("gb1", fasta.toString(), null, true, labelled.toString(), null, "fitness",
        adapted.toString(), lib, Notation.oneBased(), tmp.resolve("out1").toString()));
    assertEquals(3L * 20 - 1, r1.scored());
    assertTrue(said.stream().anyMatch(s -> s.contains("not usable") && s.contains("BAD_LABEL=2") && s.contains("BAD_AMINO_ACID=1")),
        String.join("\n", said));
    assertTrue(said.stream().anyMatch(s -> s.contains("z-score of 'fitness' over the 8 labelled variants")), String.join("\n", said));

    // The saved adapted model scores the same library identically, without adapting again.
    ScoreModel m = ScoreModel.read(adapted);
    assertEquals("adapted", m.kind());
    said.clear();
    ScoreJob.Result r2 = run.run(new ScoreRequest("gb1", fasta.toString(), adapted.toString(), false, null, null, null, null,
        lib, Notation.oneBased(), tmp.resolve("out2").toString()));
    assertTrue(said.stream().noneMatch(s -> s.startsWith("adapted ")), String.join("\n", said));
    Map<String, Double> s1 = scores(tmp.resolve("out1"));
    Map<String, Double> s2 = scores(tmp.resolve("out2"));
    assertEquals(s1, s2);
    assertEquals(r1.scored(), r2.scored());

    // Scores are the model's direct predictions (one variant per call, no padding, no batching).
    CombinatorialLibrary cl = new CombinatorialLibrary(WT, CombinatorialLibrary.parseSites(lib.sites()));
    try (FlatModel flat = m.saved().factory(false).create()) {
      double[] theta = m.theta();
      for (long i = 0; i < cl.size(); i++) {
        List<Mutation> v = cl.get(i);
        int[] ids = m.encoder().encode(WT, v).ids();
        double direct = flat.predict(theta, TokenBatch.of(1, ids.length, ids, null))[0];
        assertEquals(direct, s1.get(Notation.format(v)), 2e-5, "variant " + v);
      }
    }
    // The closing summary: the best variant and the median, checked against the scores themselves.
    Map.Entry<String, Double> best = s2.entrySet().stream()
        .max(Map.Entry.<String, Double>comparingByValue()).orElseThrow();
    String top = said.stream().filter(l -> l.startsWith("summary: top 5 of 59 by score: ")).findFirst()
        .orElseThrow(() -> new AssertionError(String.join("\n", said)));
    assertTrue(top.startsWith("summary: top 5 of 59 by score: " + best.getKey() + " "
        + String.format(java.util.Locale.ROOT, "%.3f", best.getValue())), top);
    double[] sorted = s2.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
    String quantiles = said.stream().filter(l -> l.startsWith("summary: score quantiles")).findFirst().orElseThrow();
    // the median of 59 scores: the 30th (Spark's quantile picks a value of that rank, ±1 for its rounding)
    assertTrue(quantiles.contains(String.format(java.util.Locale.ROOT, "50%% %.3f", sorted[29]))
        || quantiles.contains(String.format(java.util.Locale.ROOT, "50%% %.3f", sorted[28])), quantiles + " vs "
        + sorted[28] + " / " + sorted[29]);
    assertTrue(said.stream().anyMatch(l -> l.startsWith("summary: every score in ") && l.contains("top.csv")));
    String summary = Files.readString(tmp.resolve("out2/summary.json"));
    assertTrue(summary.contains(m.identity()) && summary.contains("label_mean"), summary);
  }

  @Test
  void aForeignNonEmptyOutputFolderIsRefusedBeforeAnyWorkAndEveryFileStays(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">gb1\n" + WT + "\n");
    Path here = tmp.resolve("project"); // as with `metamut score --output .` in a working folder
    Files.createDirectories(here.resolve("src/.git"));
    Files.writeString(here.resolve("README"), "mine");
    Files.writeString(here.resolve("src/.git/HEAD"), "ref");
    Map<String, String> before = tree(tmp);
    OutputRefusedException e = assertThrows(OutputRefusedException.class, () -> new ScoreRun(LocalSpark.get(),
        config(tmp), s -> { }).run(new ScoreRequest("gb1", fasta.toString(), null, true, null, null, null, null,
        ScoreRequest.Library.singles(), Notation.oneBased(), here.toString())));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().startsWith("refusing to replace " + here + ": the folder is not empty"), e.getMessage());
    assertEquals(before, tree(tmp), "every file left in place, nothing added");
  }

  private static Map<String, String> tree(Path dir) throws java.io.IOException {
    Map<String, String> m = new java.util.TreeMap<>();
    try (var s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(dir.relativize(p).toString(), Files.readString(p));
      }
    }
    return m;
  }

  @Test
  void aDamagedModelFileIsRefused(@TempDir Path tmp) throws Exception {
    ModelSpec spec = ModelSpec.reference();
    ScoreModel m = ScoreRun.freshModel(spec, EncoderSpec.separator(spec.maxLen()), AdaptationRecipe.fineTune("scratch", 5, 1e-3), 3);
    Path f = tmp.resolve("m.model");
    m.write(f.toString(), new org.apache.hadoop.conf.Configuration());
    ScoreModel back = ScoreModel.read(f);
    assertEquals(m.identity(), back.identity());
    assertEquals("initial", back.kind());
    byte[] b = Files.readAllBytes(f);
    b[b.length / 2] ^= 0x10;
    Files.write(f, b);
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> ScoreModel.read(f));
    assertTrue(e.getMessage().toLowerCase().contains("checksum") || e.getMessage().contains("SHA"), e.getMessage());
  }
}
