package org.metamut.jobs.cli;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.metamut.jobs.config.EvalKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.eval.EvaluateJob;
import org.metamut.jobs.eval.HeldOutTasks;
import org.metamut.jobs.eval.NamedHoldOut;
import org.metamut.jobs.train.MetaTrainJob;
import org.metamut.jobs.train.TrainSettings;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.method.Methods;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.model.TransformerFactory;
import org.metamut.jobs.ingest.IngestJob;
import org.metamut.jobs.ingest.IngestReport;
import org.metamut.jobs.score.ScoreRequest;
import org.metamut.jobs.score.ScoreRun;
import org.metamut.jobs.spark.JobContext;
import org.metamut.lib.backend.Nd4jBackend;
import org.metamut.lib.mutation.Notation;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code metamut demo}: the whole pipeline end to end on the bundled data with the embedded default
 * (Spark local mode, local filesystem), printing where each output is: ingestion, a short meta-training of the
 * closed-form head with GB1's protein group kept out, a small evaluation, then GB1's single mutants scored by the
 * meta-trained and by an untrained model, both adapted on the same few labelled variants, with each one's Spearman
 * against the held-back labels: what meta-learning bought, on a protein it never saw.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the pipeline end to end on the bundled data (Spark local mode) and print where each output is.")
final class DemoCommand extends JobCommand {

  @Override
  String jobName() {
    return "demo";
  }

  @Override
  int run(JobContext ctx) throws Exception {
    long t0 = System.nanoTime();
    String out = ctx.config().get(RunKeys.OUTPUT_DIR);
    ctx.say("outputs under " + Path.of(out).toAbsolutePath().normalize());
    ctx.say(Nd4jBackend.describe());
    var spark = ctx.spark();
    ctx.say("Spark " + spark.version() + ", master " + spark.sparkContext().master());
    // Stage 0: the stack works end to end (Spark writes and reads Parquet on the local filesystem).
    String check = out + "/demo/stack-check";
    Dataset<Row> ds = spark.range(1000).toDF("id");
    ds.write().mode("overwrite").parquet(check);
    long n = spark.read().parquet(check).count();
    ctx.say("stack check: wrote and read " + n + " rows of Parquet at " + check);
    // Stage 1: ingestion + episodes on the bundled catalogue (a no-op when the inputs are unchanged).
    IngestJob.Result ingest = new IngestJob(spark, ctx.config(), ctx::say).run();
    IngestReport.print(ingest, ctx::say);
    ctx.say("ingest: proteins, variants, quarantine, episodes and ingest-manifest.json under " + out);
    // A short meta-training with GB1's protein group kept out, and an untrained model of the same architecture.
    DemoModels models = metaTrainStage(ctx, out);
    // A small k-shot evaluation on held-out tasks; prints the report's path.
    evaluateStage(ctx, out);
    // GB1: both models adapted on a few labelled variants, checked against the held-back labels.
    double[] rho = scoreStage(ctx, out, models);
    ctx.say(String.format(java.util.Locale.ROOT, "demo finished in %.1f s; on GB1 (kept out of meta-training) the "
        + "meta-trained model reached Spearman %.3f, the untrained one %.3f (%+.3f from meta-learning)",
        (System.nanoTime() - t0) / 1e9, rho[0], rho[1], rho[0] - rho[1]));
    return 0;
  }

  /**
   * The demo's evaluation sizes (src/docs/evaluate.md): a few held-out tasks, k in {8, 32}, 2 seeds, a short
   * meta-training per method without meta-val selection (10 steps leave nothing to choose, and the recipe grid would
   * cost each method more than its training); they override the configuration's values for the demo only.
   */
  static final String DEMO_EVALUATION = "metamut.evaluate { shots = [8, 32], seeds = 2, max-tasks = 3, max-query = 100,\n"
      + "  pool-size = 500, train.outer-steps = 10, bootstrap.resamples = 1000 }\n"
      + "metamut.train { meta-batch-tasks = 4, eval.every-steps = 0 }\n";

  static void evaluateStage(JobContext ctx, String out) {
    try {
      var spark = ctx.spark();
      MetamutConfig cfg = ctx.config().withOverrides(DEMO_EVALUATION);
      String data = cfg.get(EvalKeys.DATA_DIR).isEmpty() ? out : cfg.get(EvalKeys.DATA_DIR);
      if (!Files.isDirectory(Path.of(data, "episodes"))) {
        ctx.say("evaluation stage: no episodes under " + data + ", ingesting first");
        new IngestJob(spark, cfg, ctx::say).run();
      }
      long e0 = System.nanoTime();
      EvaluateJob.Result r = new EvaluateJob(spark, cfg, ctx::say).run();
      ctx.say(String.format(java.util.Locale.ROOT, "evaluation stage: %d runs on %d held-out tasks in %.1f s",
          r.records().size(), r.tasks().size(), (System.nanoTime() - e0) / 1e9));
      ctx.say("evaluation report: " + r.written().html().toAbsolutePath());
    } catch (Exception e) {
      throw new JobFailedException("demo evaluation stage: " + e.getMessage(), e);
    }
  }

  /** The GB1 assay whose labels the demo adapts on and checks against: ProteinGym's singles of protein G (Olson 2014). */
  static final String GB1_TASK = "pg-singles/SPG1_STRSG_Olson_2014";
  static final String GB1_FILE = "pg-singles/gym_single/mutant/SPG1_STRSG_Olson_2014.csv";
  static final String GB1_FASTA = "pg-singles/gym_single/fasta/SPG1_STRSG_Olson_2014.fasta";
  /** Labelled GB1 variants the models adapt on; the rest of the assay is held back to check the scores. */
  static final int DEMO_LABELLED = 32;

  /**
   * The demo's meta-training: the closed-form head with {@code conf/profiles/cf-head.conf}'s settings (site pooling,
   * the substitution block and its context columns), sized to take a minute or two on 2 cores, with meta-val selection so the model file
   * records a meta-val score. Written under {@code <output>/demo/meta-train}, never over a user's own meta-train.
   */
  static final String DEMO_TRAINING = "metamut.train { algorithm = cf-head, outer-steps = 60, meta-batch-tasks = 8,\n"
      + "  eval { every-steps = 30, max-tasks = 6, episodes-per-task = 1 }, checkpoint.every-steps = 1000 }\n"
      + "metamut.model { pooling = sites, substitution-features = true, substitution-context = true }\n";

  /** The meta-trained and the untrained model files (same architecture and adaptation recipe). */
  record DemoModels(Path metaTrained, Path untrained) {
  }

  /**
   * Meta-trains the demo's model without GB1: every task of GB1's protein group is moved out of meta-training
   * ({@link NamedHoldOut}), checked by the evaluate job's leak check. Also writes the same architecture freshly
   * initialised, with the untrained learner's recipe, for the comparison.
   */
  static DemoModels metaTrainStage(JobContext ctx, String out) throws Exception {
    var spark = ctx.spark();
    String episodes = out + "/episodes";
    HeldOutTasks split = HeldOutTasks.read(spark, episodes);
    String resplit = out + "/demo/episodes-without-gb1";
    NamedHoldOut.Result held = NamedHoldOut.write(spark, episodes, split, List.of(GB1_TASK), resplit, ctx::say);
    NamedHoldOut.check(HeldOutTasks.read(spark, resplit), List.of(GB1_TASK)); // GB1's group: meta-test only
    MetamutConfig cfg = ctx.config().withOverrides(DEMO_TRAINING + "metamut.run.output-dir = \"" + out + "/demo\"\n"
        + "metamut.train { episodes-dir = \"" + resplit + "\", variants-dir = \"" + out + "/variants\", proteins-dir = \""
        + out + "/proteins\" }\n");
    TrainSettings s = TrainSettings.from(cfg);
    TransformerFactory f = ModelKeys.factory(cfg);
    EncoderSpec enc = ModelKeys.encoder(cfg);
    ctx.say("meta-training stage: " + s.algorithm() + ", " + s.outerSteps() + " outer steps of " + s.metaBatchTasks()
        + " tasks (" + f.spec().summary() + "), GB1's protein group " + held.groups() + " kept out");
    long t0 = System.nanoTime();
    MetaTrainJob.Result r = new MetaTrainJob(spark, s, f, enc, line -> ctx.say("meta-train: " + line))
        .overwrite(true) // the demo's own folder
        .renderedConfig(cfg.renderMetamut()).run();
    ctx.say(String.format(Locale.ROOT, "meta-training stage: %.1f s, model %s", (System.nanoTime() - t0) / 1e9,
        r.modelDir()));
    MetaLearner learner = Methods.metaLearner(s.algorithm(), s.innerLoop(f.float64()), f.headRange(), s.learnerOptions());
    int n = f.numParams();
    double[] phi = learner.initialMetaParams(f.initialTheta(s.seed()));
    AdaptationRecipe recipe = learner.recipe(phi, n);
    SavedModel untrained = new SavedModel(f.spec(), enc, Normalisation.none(), recipe,
        Map.of("origin", "freshly initialised (seed " + s.seed() + "), not meta-trained: the demo's comparison",
            org.metamut.jobs.score.ScoreModel.KIND, "initial"), // scored as an initial model, not a meta-trained one
        learner.modelParams(phi, n), recipe.learnedRates() ? learner.learnedRates(phi, n) : null);
    Path untrainedFile = Path.of(out, "demo", "untrained-model.mmut");
    Files.write(untrainedFile, ModelFile.toBytes(untrained));
    // the job names its folder as a Hadoop path string ("file:/..." on the local filesystem)
    Path modelDir = r.modelDir().startsWith("file:") ? Path.of(java.net.URI.create(r.modelDir())) : Path.of(r.modelDir());
    return new DemoModels(modelDir.resolve("model.mmut"), untrainedFile);
  }

  /**
   * Scores GB1's single mutants (the assay's variant list) with each model adapted on {@value #DEMO_LABELLED}
   * labelled variants of the assay, and prints each one's Spearman against the assay's other (held-back) labels.
   *
   * @return {meta-trained, untrained} Spearman
   */
  static double[] scoreStage(JobContext ctx, String out, DemoModels models) {
    Path data = Path.of(ctx.config().get(RunKeys.DATA_DIR));
    Path labelled = Path.of(out, "demo", "gb1-labelled.csv");
    Map<String, Double> heldBack = splitLabels(data.resolve(GB1_FILE), labelled, ctx.config().get(RunKeys.SEED));
    ctx.say("score stage: GB1 (" + GB1_TASK + "), " + DEMO_LABELLED + " labelled variants to adapt on (" + labelled
        + "), " + heldBack.size() + " held back to check the scores");
    double[] rho = new double[2];
    String[][] runs = {{"meta-trained", models.metaTrained().toString(), "score-gb1-singles"},
        {"untrained", models.untrained().toString(), "score-gb1-singles-untrained"}};
    for (int i = 0; i < runs.length; i++) {
      String dir = out + "/demo/" + runs[i][2];
      ctx.say("score stage: GB1's single mutants (the assay's " + (heldBack.size() + DEMO_LABELLED) + ") with the "
          + runs[i][0] + " model " + runs[i][1]);
      // the library is the assay's own variant list (the labels are not read from it): every single mutant of the
      // 448-residue protein would take 8x as long and add no variant that can be checked
      ScoreRequest req = new ScoreRequest(null, data.resolve(GB1_FASTA).toString(), runs[i][1], false,
          labelled.toString(), "mutant", "score", i == 0 ? out + "/demo/gb1-adapted.mmut" : null,
          ScoreRequest.Library.file(data.resolve(GB1_FILE).toString(), "mutant"), Notation.oneBased(), dir);
      new ScoreRun(ctx.spark(), ctx.config(), ctx::say).run(req);
      rho[i] = spearmanAgainst(ctx, dir, heldBack);
    }
    ctx.say(String.format(Locale.ROOT, "GB1, %d held-back variants: Spearman %.3f with the meta-trained model, %.3f with "
        + "the untrained one (both adapted on the same %d labelled variants)", heldBack.size(), rho[0], rho[1],
        DEMO_LABELLED));
    return rho;
  }

  /**
   * Writes {@value #DEMO_LABELLED} rows of the assay (a seeded shuffle) to {@code labelled} and returns the others'
   * labels by variant: the adaptation never sees them.
   */
  static Map<String, Double> splitLabels(Path assay, Path labelled, long seed) {
    List<String> lines;
    try {
      lines = Files.readAllLines(assay);
    } catch (IOException e) {
      throw new UncheckedIOException("demo: cannot read the GB1 assay " + assay + ": " + e.getMessage(), e);
    }
    List<String> rows = new ArrayList<>(lines.subList(1, lines.size()));
    Collections.shuffle(rows, new Random(seed));
    Map<String, Double> heldBack = new LinkedHashMap<>();
    for (String r : rows.subList(DEMO_LABELLED, rows.size())) {
      String[] f = r.split(",", -1);
      heldBack.put(f[0], Double.parseDouble(f[1]));
    }
    List<String> head = new ArrayList<>();
    head.add(lines.get(0));
    head.addAll(rows.subList(0, DEMO_LABELLED));
    try {
      Files.createDirectories(labelled.getParent());
      Files.write(labelled, head);
    } catch (IOException e) {
      throw new UncheckedIOException("demo: cannot write " + labelled + ": " + e.getMessage(), e);
    }
    return heldBack;
  }

  /** Spearman of a score run's scores against the held-back labels of the variants it scored. */
  static double spearmanAgainst(JobContext ctx, String scoreDir, Map<String, Double> labels) {
    List<Double> y = new ArrayList<>();
    List<Double> p = new ArrayList<>();
    for (Row r : ctx.spark().read().parquet(scoreDir + "/scores").select("variant", "score").collectAsList()) {
      Double label = labels.get(r.getString(0));
      if (label != null) {
        y.add(label);
        p.add(r.getDouble(1));
      }
    }
    if (y.size() < 3) {
      throw new IllegalStateException("demo: only " + y.size() + " held-back GB1 variants among the scores in " + scoreDir);
    }
    return Metrics.spearman(y.stream().mapToDouble(Double::doubleValue).toArray(),
        p.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
