package org.metamut.jobs.cli;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.metamut.jobs.config.EvalKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.eval.EvaluateJob;
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
import java.util.List;

/**
 * {@code metamut demo}: the whole pipeline end to end on the bundled data with the embedded default
 * (Spark local mode, local filesystem), printing where each output is. Each job, once it exists, adds
 * its stage here.
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
    // Score stage: every single mutant of a bundled protein.
    scoreStage(ctx, out);
    // Last stage: a small k-shot evaluation on held-out tasks; prints the report's path.
    evaluateStage(ctx, out);
    ctx.say(String.format("demo finished in %.1f s", (System.nanoTime() - t0) / 1e9));
    return 0;
  }

  /**
   * The demo's evaluation sizes (src/docs/evaluate.md): a few held-out tasks, k in {8, 32}, 2 seeds, a short
   * meta-training per method; they override the configuration's metamut.evaluate values for the demo only.
   */
  static final String DEMO_EVALUATION = "metamut.evaluate { shots = [8, 32], seeds = 2, max-tasks = 3, max-query = 100,\n"
      + "  pool-size = 500, train.outer-steps = 10, bootstrap.resamples = 1000 }\n"
      + "metamut.train.meta-batch-tasks = 4\n";

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

  /** Number of labelled GB1 variants the demo adapts on (the first rows of the bundled four-site scan). */
  static final int DEMO_LABELLED = 48;

  /**
   * Scores all single mutants of GB1 (bundled FLIP wild type) with a model adapted on a few labelled variants of
   * the bundled four-site scan. Until the meta-train stage exists, the model adapted is a freshly initialised one.
   * When it lands: pass its model file as the request's {@code model} (and {@code freshModel = false}), once the
   * meta-train job writes {@code org.metamut.lib.io.ModelFile}s.
   */
  static void scoreStage(JobContext ctx, String out) {
    Path data = Path.of(ctx.config().get(RunKeys.DATA_DIR));
    Path fasta = data.resolve("flip-gb1/wt.fasta");
    Path scan = data.resolve("flip-gb1/gb1_four_site.csv");
    Path labelled = Path.of(out, "demo", "score-labelled.csv");
    try {
      List<String> head;
      try (var lines = Files.lines(scan)) {
        head = lines.limit(DEMO_LABELLED + 1L).toList();
      }
      Files.createDirectories(labelled.getParent());
      Files.write(labelled, head);
    } catch (IOException e) {
      throw new UncheckedIOException("demo: cannot prepare labelled GB1 variants from " + scan + ": " + e.getMessage(), e);
    }
    ctx.say("score stage: no meta-trained model in this build yet, so adapting a freshly initialised reference model "
        + "on " + DEMO_LABELLED + " labelled GB1 variants (" + labelled + ")");
    ScoreRequest req = new ScoreRequest(null, fasta.toString(), null, true, labelled.toString(), "variant", "fitness",
        Path.of(out, "demo", "gb1-adapted.model").toString(), ScoreRequest.Library.singles(), Notation.oneBased(),
        out + "/demo/score-gb1-singles");
    new ScoreRun(ctx.spark(), ctx.config(), ctx::say).run(req);
  }
}
