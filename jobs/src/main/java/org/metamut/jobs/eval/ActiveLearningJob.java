package org.metamut.jobs.eval;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.config.ActiveLearningKeys;
import org.metamut.jobs.config.EvalKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import org.metamut.lib.metrics.Bootstrap;
import org.metamut.lib.report.ActiveLearningReport;
import org.metamut.lib.suggest.ActiveLearning;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * {@code metamut evaluate --active-learning}: on each held-out task, simulated campaigns ({@link ActiveLearning}) from
 * the same random start, comparing the closed-form head picking by UCB ({@code cf-head/ucb}), random picks
 * ({@code cf-head/random}: the head ranks, the picks are random) and every ridge baseline of
 * {@code metamut.evaluate.methods} picking greedily by its own predicted mean ({@code <ridge>/greedy}). Tasks, seeds,
 * pool size and the bootstrap are the evaluation's ({@code metamut.evaluate.*}); the campaign's shape is
 * {@code metamut.evaluate.active-learning.*}. The cf-head model is read from {@code --model cf-head=PATH} or
 * meta-trained here, exactly as in the evaluation. Writes, replacing the folder as a whole: active-learning.csv (every
 * campaign after every round), active-learning-summary.csv (means with intervals), active-learning-vs-random.csv
 * (paired differences to {@code cf-head/random}) and active-learning.html.
 */
public final class ActiveLearningJob {
  /** The strategy the others are compared with. */
  public static final String REFERENCE = "cf-head/random";

  /** What a run produced. */
  public record Result(String outputDir, List<ActiveLearningReport.Row> rows, List<String> failures,
                       List<ActiveLearningReport.Cell> means, List<ActiveLearningReport.Cell> differences) {
  }

  private final SparkSession spark;
  private final MetamutConfig cfg;
  private final Consumer<String> say;
  private final Map<String, String> models = new TreeMap<>();

  public ActiveLearningJob(SparkSession spark, MetamutConfig cfg, Consumer<String> say) {
    this.spark = spark;
    this.cfg = cfg;
    this.say = say;
    models.putAll(EvaluateJob.configuredModels(cfg)); // metamut.evaluate.models, as evaluate reads it
  }

  /** Model folders by meta-learner (only {@code cf-head} is used); they win over {@code metamut.evaluate.models}. */
  public ActiveLearningJob models(Map<String, String> m) {
    models.putAll(m);
    return this;
  }

  public Result run() throws Exception {
    if (cfg.get(org.metamut.jobs.config.EsmKeys.HEAD_FEATURES)) {
      throw new org.metamut.jobs.config.MetamutConfig.InvalidConfigException(java.util.List.of(
          org.metamut.jobs.config.EsmKeys.HEAD_FEATURES.path() + " = true: evaluate --active-learning does not give the "
              + "closed-form head ESM-2 features (evaluate and score do); turn it off for this run"));
    }
    EvaluateJob.Dirs dirs = new EvaluateJob(spark, cfg, say).dirs();
    String outDir = cfg.get(ActiveLearningKeys.OUTPUT_DIR).isEmpty()
        ? cfg.get(RunKeys.OUTPUT_DIR) + "/active-learning" : cfg.get(ActiveLearningKeys.OUTPUT_DIR);
    ActiveLearning.Settings settings = new ActiveLearning.Settings(cfg.get(ActiveLearningKeys.START),
        cfg.get(ActiveLearningKeys.ROUNDS), cfg.get(ActiveLearningKeys.BATCH), cfg.get(ActiveLearningKeys.BETA),
        cfg.get(ActiveLearningKeys.PER_SITE));
    OutputFolder out = ReportOutput.open(outDir, spark.sparkContext().hadoopConfiguration());
    try {
      // only cf-head among the neural methods, no encoding ablation
      MetamutConfig only = cfg.withOverrides("metamut.evaluate.methods = [\"cf-head\"]\n"
          + "metamut.evaluate.ablation.encoders = []\n");
      String split = cfg.get(EvalKeys.SPLIT);
      HeldOutTasks split0 = HeldOutTasks.read(spark, dirs.episodes());
      List<String> picked = new EvaluateJob(spark, cfg, say).pickTasks(split0, split, dirs);
      Map<String, String> cfModel = new TreeMap<>();
      if (models.containsKey("cf-head")) {
        cfModel.put("cf-head", models.get("cf-head"));
      }
      // trained on meta-train and selected on meta-val as in evaluate (off when meta-val is the evaluated split)
      NeuralMethods neural = new NeuralMethods(spark, only, dirs, out, cfModel, "meta-test".equals(split), say);
      neural.prepare();
      List<ActiveLearningRunner.Strategy> strategies = strategies();
      List<TaskData> tasks = new ArrayList<>();
      for (TaskData t : HeldOutTasks.pools(spark, dirs.variants(), dirs.proteins(), picked, cfg.get(EvalKeys.POOL_SIZE),
          neural.encoders(), say)) {
        if (t.size() < settings.minPool()) {
          say.accept("task " + t.task() + ": " + t.size() + " variants, fewer than the " + settings.minPool()
              + " a campaign needs; skipped");
        } else {
          tasks.add(t);
        }
      }
      if (tasks.isEmpty()) {
        throw new IllegalArgumentException("active learning: no task has the " + settings.minPool() + " variants a "
            + "campaign of " + settings + " needs");
      }
      List<ActiveLearningRunner.Unit> units = new ArrayList<>();
      for (int t = 0; t < tasks.size(); t++) {
        for (int s = 0; s < cfg.get(EvalKeys.SEEDS); s++) {
          for (int m = 0; m < strategies.size(); m++) {
            units.add(new ActiveLearningRunner.Unit(t, m, cfg.get(RunKeys.SEED) + s));
          }
        }
      }
      say.accept(units.size() + " campaigns: " + tasks.size() + " tasks × " + cfg.get(EvalKeys.SEEDS) + " seeds × "
          + strategies.size() + " strategies " + strategies.stream().map(ActiveLearningRunner.Strategy::name).toList()
          + ", " + settings.start() + " + " + settings.rounds() + " × " + settings.batch() + " labels each");
      List<ActiveLearningRunner.Outcome> outcomes = runUnits(tasks, units, strategies, settings, neural);
      List<ActiveLearningReport.Row> rows = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      for (ActiveLearningRunner.Outcome o : outcomes) {
        rows.addAll(o.rows());
        if (o.error() != null) {
          failures.add(o.error());
          say.accept("failed: " + o.error());
        }
      }
      if (rows.isEmpty()) {
        throw new IllegalStateException("active learning: every campaign failed; first: " + failures.get(0));
      }
      Bootstrap b = new Bootstrap(cfg.get(EvalKeys.BOOTSTRAP_RESAMPLES), cfg.get(EvalKeys.BOOTSTRAP_LEVEL),
          cfg.get(RunKeys.SEED));
      List<ActiveLearningReport.Cell> means = ActiveLearningReport.means(rows, b);
      List<ActiveLearningReport.Cell> diffs = ActiveLearningReport.differences(rows, REFERENCE, b);
      Map<String, String> shown = new LinkedHashMap<>();
      shown.put("tasks", tasks.size() + " (" + split + "): " + String.join(", ", tasks.stream().map(TaskData::task).toList()));
      shown.put("seeds", Integer.toString(cfg.get(EvalKeys.SEEDS)));
      shown.put("campaign", settings.start() + " labelled to start, " + settings.rounds() + " rounds of "
          + settings.batch() + "; UCB beta " + settings.beta() + ", at most " + settings.perSite() + " per site per round");
      shown.put("cf-head", neural.adapters().get("cf-head").recipe().describe());
      shown.put("failed campaigns", Integer.toString(failures.size()));
      write(out, "active-learning.csv", ActiveLearningReport.rowsCsv(rows));
      write(out, "active-learning-summary.csv", ActiveLearningReport.cellsCsv(means));
      write(out, "active-learning-vs-random.csv", ActiveLearningReport.cellsCsv(diffs));
      write(out, "active-learning.html", ActiveLearningReport.html("metamut active-learning benchmark", shown, means, diffs,
          b.level()));
      out.publish();
      say.accept("active learning: " + out.target() + "/active-learning.html");
      return new Result(out.target().toString(), rows, failures, means, diffs);
    } finally {
      out.abort();
    }
  }

  /** cf-head by UCB, random picks, and each ridge baseline of the configuration greedily. */
  private List<ActiveLearningRunner.Strategy> strategies() {
    List<ActiveLearningRunner.Strategy> s = new ArrayList<>();
    s.add(new ActiveLearningRunner.Strategy("cf-head/ucb", "cf-head", ActiveLearning.Acquisition.UCB));
    s.add(new ActiveLearningRunner.Strategy(REFERENCE, "cf-head", ActiveLearning.Acquisition.RANDOM));
    for (String m : cfg.get(EvalKeys.METHODS_KEY)) {
      if (Methods.get(m).kind() == MethodKind.BASELINE) {
        s.add(new ActiveLearningRunner.Strategy(m + "/greedy", m, ActiveLearning.Acquisition.GREEDY));
      }
    }
    return s;
  }

  private List<ActiveLearningRunner.Outcome> runUnits(List<TaskData> tasks, List<ActiveLearningRunner.Unit> units,
                                                      List<ActiveLearningRunner.Strategy> strategies,
                                                      ActiveLearning.Settings settings, NeuralMethods neural) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<List<TaskData>> bTasks = jsc.broadcast(List.copyOf(tasks));
    try {
      EncoderSpec enc = ModelKeys.encoder(cfg);
      ActiveLearningRunner runner = new ActiveLearningRunner(bTasks, neural.adapters().get("cf-head"),
          neural.factories().get(enc.kind()), enc.maxTokens(), strategies, settings);
      // a campaign is seconds to minutes of work: many small partitions, so the stage progress lines (one per finished
      // partition, with an ETA) come every few campaigns rather than after a quarter of the run
      int parts = cfg.get(EvalKeys.PARTITIONS) > 0 ? cfg.get(EvalKeys.PARTITIONS) : jsc.defaultParallelism() * 32;
      return jsc.parallelize(units, Math.max(1, Math.min(parts, units.size())))
          .mapPartitions(it -> runner.runPartition(it, enc)).collect();
    } finally {
      bTasks.destroy();
    }
  }

  private static void write(OutputFolder out, String name, String text) throws IOException {
    try (FSDataOutputStream os = out.fs().create(new org.apache.hadoop.fs.Path(out.staging(), name), false)) {
      os.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }
}
