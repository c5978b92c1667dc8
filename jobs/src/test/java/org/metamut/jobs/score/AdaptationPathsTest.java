package org.metamut.jobs.score;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.eval.TaskData;
import org.metamut.jobs.esm.TinyCheckpoint;
import org.metamut.jobs.eval.UnitRunner;
import org.metamut.lib.baseline.Featurizer;
import org.metamut.lib.esm.EsmBaselines;
import org.metamut.jobs.testing.LocalSpark;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.mutation.Notation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adaptation contract across jobs: the same model file adapted on the same labelled variants through the
 * evaluate job's path ({@link UnitRunner#adaptAndPredict}) and the score job's path ({@code metamut score
 * --labelled ... --save-adapted}, through Spark and files) gives bit-identical adapted parameters, the same label
 * normalisation and bit-identical predictions, with the recipe recorded in the model file (not the job's
 * defaults).
 */
class AdaptationPathsTest {
  static final String WT = "MQYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE"; // GB1, 56

  @Test
  void evaluateAndScoreAdaptAndPredictBitIdentically(@TempDir Path tmp) throws Exception {
    // A recipe that no job default has: the model file's recipe must be what both paths use.
    Paths p = adaptBothWays(tmp, ModelSpec.reference(1, 16, 2, 32, 24), AdaptationRecipe.fineTune("finetune", 4, 0.037), true);
    assertTrue(p.adaptedByScore.provenance().get("score.adaptation").contains("4 SGD steps"),
        p.adaptedByScore.provenance().toString());
    assertArrayEquals(p.adaptedByScore.theta(), p.eval[0], "adapted θ differs between the score and evaluate paths");
    assertArrayEquals(p.byScore, p.eval[1], "predictions differ between the score and evaluate paths");
    assertEquals(p.base.saved().recipe(), p.adaptedByScore.recipe());
  }

  @Test
  void aClosedFormHeadWithASiteBlockScoresAsItEvaluatesAndIsSavedWithoutIt(@TempDir Path tmp) throws Exception {
    AdaptationRecipe recipe = AdaptationRecipe.closedForm("cf-head", 0.5, 0.0, AdaptationRecipe.HeadPrior.THETA)
        .withSites(AdaptationRecipe.Sites.SUPPORT_LOO);
    ModelSpec spec = ModelSpec.reference(1, 16, 2, 32, 24).withPooling(ModelSpec.Pooling.SITES);
    Paths p = adaptBothWays(tmp, spec, recipe, false);
    assertArrayEquals(p.byScore, p.eval[1], "predictions differ between the score and evaluate paths");
    assertArrayEquals(p.sdByScore, p.eval[3], 1e-12, "predictive SDs differ between the score and evaluate paths");
    // the site block moves the predictions: without it they differ
    SavedModel read = ModelFile.read(tmp.resolve("base.mmut"));
    try (FlatModel flat = read.factory(false).create()) {
      double[][] off = UnitRunner.adaptAndPredict(Adapter.of(read).overrideSites(AdaptationRecipe.Sites.OFF), flat,
          read.encoder(), p.task, p.support, p.query);
      assertTrue(!java.util.Arrays.equals(off[1], p.eval[1]), "the site block changed no prediction");
    }
    // a model file holds θ only: with --save-adapted the run adapts without the block, so the saved model, this run's
    // scores and every later run agree (and its provenance records the override)
    Paths saved = adaptBothWays(tmp.resolve("again"), spec, recipe, true);
    String how = saved.adaptedByScore.provenance().get("score.adaptation");
    assertTrue(how.contains("overridden: site block off"), how);
    try (FlatModel flat = read.factory(false).create()) {
      double[][] off = UnitRunner.adaptAndPredict(Adapter.of(read).overrideSites(AdaptationRecipe.Sites.OFF), flat,
          read.encoder(), p.task, p.support, p.query);
      assertArrayEquals(off[0], saved.adaptedByScore.theta(), "the saved θ' is the head solved without the block");
      assertArrayEquals(off[1], saved.byScore, "this run's scores are the saved model's");
    }
  }

  @Test
  void aClosedFormHeadWithEsmFeaturesScoresAsItEvaluatesAndTheFeaturesMoveIt(@TempDir Path tmp) throws Exception {
    AdaptationRecipe recipe = AdaptationRecipe.closedForm("cf-head", 0.5, 0.0, AdaptationRecipe.HeadPrior.THETA)
        .withPenalties(AdaptationRecipe.PenaltyChoice.SUPPORT_LOO, "");
    ModelSpec spec = ModelSpec.reference(1, 16, 2, 32, 24).withPooling(ModelSpec.Pooling.SITES);
    String tiny = TinyCheckpoint.dir().toString();
    String fp = org.metamut.lib.esm.EsmCheckpoint.open(TinyCheckpoint.dir()).fingerprint();
    Featurizer esm = EsmBaselines.features(tiny, null);
    Paths p = adaptBothWays(tmp, spec, recipe, false, "metamut.esm.checkpoint = \"" + tiny + "\"\n"
        + "metamut.esm.head-features = true\n", a -> a.overrideEsm(true, fp), esm);
    assertArrayEquals(p.byScore, p.eval[1], "predictions differ between the score and evaluate paths");
    assertArrayEquals(p.sdByScore, p.eval[3], 1e-12, "predictive SDs differ between the score and evaluate paths");
    assertTrue(java.util.Arrays.stream(p.eval[3]).allMatch(Double::isFinite), java.util.Arrays.toString(p.eval[3]));
    SavedModel read = ModelFile.read(tmp.resolve("base.mmut"));
    try (FlatModel flat = read.factory(false).create()) {
      double[][] off = UnitRunner.adaptAndPredict(Adapter.of(read), flat, read.encoder(), p.task, p.support, p.query);
      assertTrue(!java.util.Arrays.equals(off[1], p.eval[1]), "the ESM-2 block changed no prediction");
      // the features are read only when the recipe has the block: attached to a recipe without it, nothing moves
      double[][] ignored = UnitRunner.adaptAndPredict(Adapter.of(read), flat, read.encoder(), p.task, p.support, p.query,
          esm);
      assertArrayEquals(off[0], ignored[0]);
      assertArrayEquals(off[1], ignored[1]);
      // and a recipe with the block refuses to run without them, in one line
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> UnitRunner.adaptAndPredict(Adapter.of(read).overrideEsm(true, fp), flat, read.encoder(), p.task,
              p.support, p.query));
      assertTrue(e.getMessage().contains("no ESM-2 features"), e.getMessage());
    }
    // a second score run on the same library reads the support's and the library's features from the feature cache
    // (metamut.esm.feature-cache, here <output-dir>/esm-features): no forward pass, the same scores
    long passes = org.metamut.lib.esm.Esm2Model.forwardPasses();
    ScoreRun again = new ScoreRun(LocalSpark.get(), MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\n"
        + "metamut.score.batch-size = 12\nmetamut.score.partitions = 1\nmetamut.esm.checkpoint = \"" + tiny + "\"\n"
        + "metamut.esm.head-features = true\n"), line -> { });
    again.run(new ScoreRequest("gb1", tmp.resolve("gb1.fasta").toString(), tmp.resolve("base.mmut").toString(), false,
        tmp.resolve("labelled.csv").toString(), null, "fitness", null,
        ScoreRequest.Library.file(tmp.resolve("query.csv").toString(), "mutant"), Notation.oneBased(),
        tmp.resolve("out2").toString()));
    assertEquals(passes, org.metamut.lib.esm.Esm2Model.forwardPasses(), "features read from the cache");
    assertEquals(0, again.lastEsmCache.computed());
    assertEquals(24, again.lastEsmCache.hits(), "12 support and 12 library variants");
    assertEquals(EsmZeroShotScoreTest.scores(tmp.resolve("out")), EsmZeroShotScoreTest.scores(tmp.resolve("out2")));
    // --save-adapted: a model file cannot hold the block's weights, so the run adapts without it (as for sites)
    Paths saved = adaptBothWays(tmp.resolve("again"), spec, recipe, true, "metamut.esm.checkpoint = \"" + tiny + "\"\n"
        + "metamut.esm.head-features = true\n", a -> a, null);
    try (FlatModel flat = read.factory(false).create()) {
      double[][] off = UnitRunner.adaptAndPredict(Adapter.of(read), flat, read.encoder(), p.task, p.support, p.query);
      assertArrayEquals(off[0], saved.adaptedByScore.theta(), "the saved θ' is the head solved without the block");
      assertArrayEquals(off[1], saved.byScore, "this run's scores are the saved model's");
    }
  }

  @Test
  void headFeaturesWithoutACheckpointIsAConfigErrorNamingBothKeys(@TempDir Path tmp) {
    MetamutConfig cfg = MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\n"
        + "metamut.esm.head-features = true\n");
    MetamutConfig.InvalidConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
        MetamutConfig.InvalidConfigException.class, () -> org.metamut.jobs.config.EsmKeys.headFeatures(cfg));
    assertTrue(e.getMessage().contains("metamut.esm.head-features") && e.getMessage().contains("metamut.esm.checkpoint"),
        e.getMessage());
    assertTrue(org.metamut.jobs.config.EsmKeys.headFeatures(MetamutConfig.fromString("metamut.run.output-dir = \""
        + tmp + "\"\n")).isEmpty(), "off by default");
  }

  /** What the score and evaluate paths made of the same model file and labelled variants. */
  private record Paths(ScoreModel base, SavedModel adaptedByScore, double[] byScore, double[] sdByScore, double[][] eval,
                       TaskData task, int[] support, int[] query) {
  }

  private static Paths adaptBothWays(Path tmp, ModelSpec spec, AdaptationRecipe recipe, boolean save) throws Exception {
    return adaptBothWays(tmp, spec, recipe, save, "", a -> a, null);
  }

  /**
   * @param extraConfig  more config lines for the score run
   * @param evalAdapter  what evaluate's configuration does to the model file's adapter (its overrides)
   * @param esm          the ESM-2 features evaluate's path gives a recipe with the ESM block (null: none)
   */
  private static Paths adaptBothWays(Path tmp, ModelSpec spec, AdaptationRecipe recipe, boolean save, String extraConfig,
                                     java.util.function.UnaryOperator<Adapter> evalAdapter, Featurizer esm)
      throws Exception {
    Files.createDirectories(tmp);
    EncoderSpec enc = EncoderSpec.separator(24);
    ScoreModel base = ScoreRun.freshModel(spec, enc, recipe, 11);
    Path model = tmp.resolve("base.mmut");
    base.write(model.toString(), new org.apache.hadoop.conf.Configuration());

    String[] support = {"V39A", "D40G", "G41W", "V54A", "V39A:D40G", "K10W", "T11P", "E19Q", "A24G", "L5P", "Y3F", "T25S"};
    String[] query = {"V39L", "D40E", "G41A", "V54I", "K10R", "T16A", "E27Q", "W43F", "Y45A", "T49S", "D46N", "V21A"};
    double[] labels = IntStream.range(0, support.length).mapToDouble(i -> Math.sin(1.7 * i) * 2 + 0.1 * i).toArray();
    Path labelled = tmp.resolve("labelled.csv");
    List<String> lines = new ArrayList<>(List.of("mutant,fitness"));
    for (int i = 0; i < support.length; i++) {
      lines.add(support[i] + "," + labels[i]);
    }
    Files.write(labelled, lines);
    Path library = tmp.resolve("query.csv");
    List<String> q = new ArrayList<>(List.of("mutant"));
    q.addAll(List.of(query));
    Files.write(library, q);
    Path fasta = tmp.resolve("gb1.fasta");
    Files.writeString(fasta, ">gb1\n" + WT + "\n");

    // Score's path: Spark reads the files, adapts, saves the adapted model and scores the query variants.
    // One partition and one batch of all 12 query variants, as the evaluation predicts them: float32 outputs can
    // differ by one ulp with the number of rows in a batch (BLAS blocking), which is not what this test is about.
    MetamutConfig cfg = MetamutConfig.fromString("metamut.run.output-dir = \"" + tmp + "\"\n"
        + "metamut.score.batch-size = " + query.length + "\nmetamut.score.partitions = 1\n" + extraConfig);
    Path adaptedFile = tmp.resolve("adapted.mmut");
    new ScoreRun(LocalSpark.get(), cfg, line -> { }).run(new ScoreRequest("gb1", fasta.toString(), model.toString(), false,
        labelled.toString(), null, "fitness", save ? adaptedFile.toString() : null,
        ScoreRequest.Library.file(library.toString(), "mutant"), Notation.oneBased(), tmp.resolve("out").toString()));
    SavedModel adaptedByScore = save ? ModelFile.read(adaptedFile) : null;
    Map<String, double[]> scored = new HashMap<>();
    for (Row r : LocalSpark.get().read().parquet(tmp.resolve("out/scores").toString())
        .select("variant", "score_label_units", "score_sd_label_units").collectAsList()) {
      scored.put(r.getString(0), new double[] {r.getDouble(1), r.isNullAt(2) ? Double.NaN : r.getDouble(2)});
    }

    // Evaluate's path: a task whose pool holds the support and query variants.
    List<String> muts = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    double[] targets = new double[support.length + query.length];
    for (int i = 0; i < support.length + query.length; i++) {
      boolean s = i < support.length;
      muts.add(s ? support[i] : query[i - support.length]);
      ids.add("v" + i);
      targets[i] = s ? labels[i] : 0;
    }
    TaskData task = TaskData.ofProtein("gb1-test", "fitness", "gb1", false, WT, ids,
        muts.stream().map(AdaptationPathsTest::colonForm).toList(), targets);
    int[] sIdx = IntStream.range(0, support.length).toArray();
    int[] qIdx = IntStream.range(support.length, support.length + query.length).toArray();
    SavedModel read = ModelFile.read(model);
    double[][] eval;
    try (FlatModel flat = read.factory(false).create()) {
      eval = UnitRunner.adaptAndPredict(evalAdapter.apply(Adapter.of(read)), flat, read.encoder(), task, sIdx, qIdx, esm);
    }
    double[] byScore = new double[query.length];
    double[] sdByScore = new double[query.length];
    for (int i = 0; i < query.length; i++) {
      byScore[i] = scored.get(query[i])[0];
      sdByScore[i] = scored.get(query[i])[1];
    }
    return new Paths(base, adaptedByScore, byScore, sdByScore, eval, task, sIdx, qIdx);
  }

  /** {@code V39A:D40G} as TaskData writes it (its mutations' toString). */
  private static String colonForm(String notation) {
    return String.join(":", Notation.oneBased().parseVariant(notation, WT).stream().map(Object::toString).toList());
  }
}
