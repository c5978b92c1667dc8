package org.metamut.jobs.score;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.AdaptedModel;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code metamut score} with a closed-form-head model: every score has a predictive SD equal to the adapted model's
 * own ({@link AdaptedModel#predictiveSd}), and {@code --suggest} picks by UCB, one per site, never a labelled variant.
 */
class ScoreUncertaintyTest {
  static final String WT = ScoreRunTest.WT;
  private static final String[] LABELLED = {"V39A", "D40G", "G41W", "V54A", "V39A:D40G", "K10W", "T11P", "E19Q",
      "A24G", "D40W", "V39Y", "D40A"};

  /** With the substitution block's context columns (its DMS table read from θ): scoring runs them like any θ. */
  private static Path cfHeadModel(Path dir) throws Exception {
    return cfHeadModel(dir, 4, "cf.model", true);
  }

  private static Path cfHeadModel(Path dir, long noiseSeed, String name) throws Exception {
    return cfHeadModel(dir, noiseSeed, name, false);
  }

  /** A small cf-head model: the initial θ of seed 3 perturbed with Gaussian noise of seed {@code noiseSeed}. */
  private static Path cfHeadModel(Path dir, long noiseSeed, String name, boolean context) throws Exception {
    ModelSpec spec = ModelSpec.reference(1, 8, 2, 16, 24).withPooling(ModelSpec.Pooling.SITES).withSubstitutionFeatures(true)
        .withSubstitutionContext(context);
    double[] theta = ParamLayout.of(spec).initialise(3);
    SplittableRandom r = new SplittableRandom(noiseSeed);
    for (int i = 0; i < theta.length; i++) {
      theta[i] += 0.05 * r.nextGaussian();
    }
    SavedModel m = new SavedModel(spec, EncoderSpec.separator(24), Normalisation.none(),
        AdaptationRecipe.closedForm("cf-head", 0.0, 0.0, AdaptationRecipe.HeadPrior.THETA), Map.of(), theta, null);
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file)) {
      ModelFile.writeTo(out, m);
    }
    return file;
  }

  private static Path labelled(Path dir) throws Exception {
    List<String> lines = new ArrayList<>(List.of("mutant\tfitness"));
    for (int i = 0; i < LABELLED.length; i++) {
      lines.add(LABELLED[i] + "\t" + (10 + Math.sin(3.0 * i) * 4));
    }
    Path p = dir.resolve("labelled.tsv");
    Files.write(p, lines);
    return p;
  }

  private static List<Map<String, String>> csv(Path p) throws Exception {
    try (MappingIterator<Map<String, String>> it = new CsvMapper().readerForMapOf(String.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(p.toFile())) {
      return it.readAll();
    }
  }

  @Test
  void scoresCarryTheAdaptedModelsSdAndSuggestionsFollowTheRules(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">gb1\n" + WT + "\n");
    Path model = cfHeadModel(tmp);
    Path labelled = labelled(tmp);
    MetamutConfig cfg = MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\nmetamut.score.batch-size = 7\n"
        + "metamut.score.partitions = 3\nmetamut.score.suggest.beta = 1.5\n");
    ScoreRequest.Library lib = ScoreRequest.Library.singles();
    Path out = tmp.resolve("out");
    List<String> said = new ArrayList<>();
    new ScoreRun(LocalSpark.get(), cfg, said::add).run(new ScoreRequest("gb1", fasta.toString(), model.toString(), false,
        labelled.toString(), null, "fitness", null, lib, Notation.oneBased(), out.toString(), 6, 1));

    // SDs: the adapted model's own, in label units, beside every score
    SavedModel saved = ModelFile.read(model);
    Encoder enc = Encoder.of(saved.encoder());
    List<EncodedVariant> sv = new ArrayList<>();
    double[] y = new double[LABELLED.length];
    for (int i = 0; i < LABELLED.length; i++) {
      sv.add(enc.encode(WT, Notation.oneBased().parseVariant(LABELLED[i], WT)));
      y[i] = 10 + Math.sin(3.0 * i) * 4;
    }
    Map<String, double[]> scored = new HashMap<>();
    for (Row r : LocalSpark.get().read().parquet(out.resolve("scores").toString())
        .select("variant", "score_label_units", "score_sd", "score_sd_label_units").collectAsList()) {
      scored.put(r.getString(0), new double[] {r.getDouble(1), r.getDouble(2), r.getDouble(3)});
    }
    assertEquals(WT.length() * 19, scored.size());
    try (FlatModel flat = saved.factory(false).create()) {
      AdaptedModel a = Adapter.of(saved).adapt(flat, sv, y, saved.encoder().maxTokens());
      List<String> names = List.of("V39A", "D40K", "T25P", "G41A");
      List<EncodedVariant> q = new ArrayList<>();
      for (String n : names) {
        q.add(enc.encode(WT, Notation.oneBased().parseVariant(n, WT)));
      }
      double[] sd = a.predictiveSd(flat, q);
      double[] mean = a.predict(flat, q);
      for (int i = 0; i < names.size(); i++) {
        double[] s = scored.get(names.get(i));
        assertEquals(sd[i], s[2], 1e-6 * sd[i], names.get(i));
        assertEquals(mean[i], s[0], 1e-6 * Math.abs(mean[i]) + 1e-9, names.get(i));
        assertEquals(s[1] * a.targets().scale(), s[2], 1e-9 * s[2]);
      }
    }

    // suggestions: 6 picks in decreasing UCB = mean + 1.5·SD, one per site, none labelled
    List<Map<String, String>> sug = csv(out.resolve(ScoreJob.SUGGESTIONS_CSV));
    List<Map<String, String>> picks = sug.stream().filter(m -> m.get("picked").equals("true")).toList();
    assertEquals(6, picks.size(), sug.toString());
    Set<String> labelledKeys = new HashSet<>();
    for (String l : LABELLED) {
      labelledKeys.add(Notation.format(Notation.oneBased().parseVariant(l, WT)));
    }
    Set<Integer> sites = new HashSet<>();
    double last = Double.POSITIVE_INFINITY;
    for (Map<String, String> p : picks) {
      assertFalse(labelledKeys.contains(p.get("variant")), p.get("variant") + " is labelled");
      for (Mutation m : Notation.oneBased().parseVariant(p.get("variant"), WT)) {
        assertTrue(sites.add(m.pos()), "two picks at site " + m.pos());
      }
      double ucb = Double.parseDouble(p.get("ucb"));
      assertEquals(Double.parseDouble(p.get("mean")) + 1.5 * Double.parseDouble(p.get("sd")), ucb, 1e-9);
      assertTrue(ucb <= last);
      last = ucb;
      double[] s = scored.get(p.get("variant"));
      assertEquals(s[0], Double.parseDouble(p.get("mean")), 1e-12);
      assertTrue(p.get("reason").contains("UCB at site"), p.get("reason"));
    }
    // no unpicked, unlabelled variant beats the last pick without a site conflict: every candidate above it is listed
    assertTrue(sug.stream().filter(m -> m.get("picked").equals("false"))
        .allMatch(m -> m.get("reason").startsWith("site ") || m.get("reason").startsWith("already labelled")), sug.toString());
    assertTrue(Files.readString(out.resolve("top.csv")).lines().findFirst().orElseThrow().contains("score_sd"));
  }

  /** Variant → {score, SD} in label units, read from a score run's Parquet output. */
  private static Map<String, double[]> labelUnits(Path out) {
    Map<String, double[]> m = new HashMap<>();
    for (Row r : LocalSpark.get().read().parquet(out.resolve("scores").toString())
        .select("variant", "score_label_units", "score_sd_label_units").collectAsList()) {
      m.put(r.getString(0), new double[] {r.getDouble(1), r.getDouble(2)});
    }
    return m;
  }

  /**
   * {@code score --model A,B --labelled}: every score is the mean of A's and B's own scores (each member adapted as
   * if alone, scored by separate runs here), its SD that of their equal-weight mixture, √(mean σ² + var μ); suggestions
   * come from those; a saved adapted ensemble is refused in one line.
   */
  @Test
  void anEnsembleScoresTheMembersMeanWithTheMixtureSd(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">gb1\n" + WT + "\n");
    Path a = cfHeadModel(tmp, 4, "a.model");
    Path b = cfHeadModel(tmp, 9, "b.model");
    Path labelled = labelled(tmp);
    MetamutConfig cfg = MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\nmetamut.score.batch-size = 5\n"
        + "metamut.score.partitions = 2\n");
    ScoreRequest.Library lib = ScoreRequest.Library.combinatorial("39:AGW,40:KGA");
    Map<String, double[]> scores = new HashMap<>();
    List<String> runs = List.of(a.toString(), b.toString(), a + "," + b);
    for (int i = 0; i < runs.size(); i++) {
      String model = runs.get(i);
      Path out = tmp.resolve("out" + i);
      new ScoreRun(LocalSpark.get(), cfg, s -> { }).run(new ScoreRequest("gb1", fasta.toString(), model, false,
          labelled.toString(), null, "fitness", null, lib, Notation.oneBased(), out.toString(), 3, 1));
      labelUnits(out).forEach((v, x) -> scores.put(model + "|" + v, x));
    }
    int checked = 0;
    double spread = 0;
    for (String key : scores.keySet()) {
      if (!key.startsWith(a + "|")) {
        continue;
      }
      String v = key.substring(key.indexOf('|') + 1);
      double[] sa = scores.get(a + "|" + v);
      double[] sb = scores.get(b + "|" + v);
      double[] se = scores.get(a + "," + b + "|" + v);
      double mean = (sa[0] + sb[0]) / 2;
      double second = (sa[1] * sa[1] + sa[0] * sa[0] + sb[1] * sb[1] + sb[0] * sb[0]) / 2;
      assertEquals(mean, se[0], 1e-9 * Math.abs(mean) + 1e-9, v);
      assertEquals(Math.sqrt(second - mean * mean), se[1], 1e-6 * se[1], v);
      spread = Math.max(spread, Math.abs(sa[0] - sb[0]));
      checked++;
    }
    assertEquals(4 * 4 - 1, checked); // the combinatorial library less the wild type
    assertTrue(spread > 1e-3, "the members must differ for the test to mean anything: " + spread);
    List<Map<String, String>> picks = csv(tmp.resolve("out2").resolve(ScoreJob.SUGGESTIONS_CSV)).stream()
        .filter(m -> m.get("picked").equals("true")).toList();
    assertTrue(!picks.isEmpty() && picks.size() <= 2, picks.toString()); // one per site, two sites
    String id = LocalSpark.get().read().parquet(tmp.resolve("out2/scores").toString()).select("model_id").first()
        .getString(0);
    assertTrue(id.startsWith("ensemble-"), id);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ScoreRun(LocalSpark.get(), cfg,
        s -> { }).run(new ScoreRequest("gb1", fasta.toString(), a + "," + b, false, labelled.toString(), null, "fitness",
        tmp.resolve("saved.model").toString(), lib, Notation.oneBased(), tmp.resolve("o4").toString())));
    assertTrue(e.getMessage().startsWith("--save-adapted holds one model, and --model " + a + "," + b + " is an ensemble "
        + "of 2"), e.getMessage());
  }

  @Test
  void sgdModelsHaveNoSdAndCannotSuggest(@TempDir Path tmp) throws Exception {
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">gb1\n" + WT + "\n");
    Path labelled = labelled(tmp);
    MetamutConfig cfg = MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\nmetamut.adapt.steps = 1\n");
    ScoreRequest.Library lib = ScoreRequest.Library.combinatorial("39:AG");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ScoreRun(LocalSpark.get(), cfg,
        s -> { }).run(new ScoreRequest("gb1", fasta.toString(), null, true, labelled.toString(), null, "fitness", null, lib,
        Notation.oneBased(), tmp.resolve("o1").toString(), 3, 1)));
    assertTrue(e.getMessage().startsWith("--suggest needs predictive SDs"), e.getMessage());
    new ScoreRun(LocalSpark.get(), cfg, s -> { }).run(new ScoreRequest("gb1", fasta.toString(), null, true,
        labelled.toString(), null, "fitness", null, lib, Notation.oneBased(), tmp.resolve("o2").toString()));
    for (Row r : LocalSpark.get().read().parquet(tmp.resolve("o2/scores").toString()).select("score_sd", "score_sd_label_units")
        .collectAsList()) {
      assertTrue(r.isNullAt(0) && r.isNullAt(1));
    }
  }
}
