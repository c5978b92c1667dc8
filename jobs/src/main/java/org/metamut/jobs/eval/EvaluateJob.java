package org.metamut.jobs.eval;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.config.AdaptKeys;
import org.metamut.jobs.config.ConfigKey;
import org.metamut.jobs.config.EsmKeys;
import org.metamut.jobs.config.EvalKeys;
import org.metamut.jobs.config.IngestKeys;
import org.metamut.jobs.config.Keys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.esm.EsmFeatureCache;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.model.TransformerFactory;
import org.metamut.jobs.data.DataFingerprint;
import org.metamut.lib.report.FailedRun;
import org.metamut.lib.report.ReportSettings;
import org.metamut.lib.report.ReportWriter;
import org.metamut.lib.report.ResultRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The evaluate job on the driver (see the package doc and src/docs/evaluate.md): leak checks, one {@link Adapter}
 * per neural method (its trained θ and adaptation recipe, {@link NeuralMethods}), (task, k, seed) draws, runs on
 * executors, report. Methods come from the registry ({@link Methods}); how each is prepared follows its kind.
 */
public final class EvaluateJob {

  /**
   * What a run produced. {@code trainSeconds}: per method, the task-independent training it was charged.
   * {@code failures}: the runs that threw (in the report too); the command exits non-zero when there are any.
   */
  public record Result(Path reportDir, List<ResultRecord> records, List<FailedRun> failures, ReportWriter.Written written,
                       Map<String, Double> trainSeconds, List<String> tasks, Set<String> pretrainingTasks) {
  }

  /** The job's folders. */
  record Dirs(String episodes, String proteins, String variants, String report) {
  }

  private final SparkSession spark;
  private final MetamutConfig cfg;
  private final Consumer<String> say;
  private final Map<String, String> models = new TreeMap<>();

  public EvaluateJob(SparkSession spark, MetamutConfig cfg, Consumer<String> say) {
    this.spark = spark;
    this.cfg = cfg;
    this.say = say;
    models.putAll(configuredModels(cfg));
  }

  /** The model folders of {@code metamut.evaluate.models} (empty paths left out), by meta-learner. */
  static Map<String, String> configuredModels(MetamutConfig cfg) {
    Map<String, String> m = new TreeMap<>();
    cfg.get(EvalKeys.MODELS).forEach((method, path) -> {
      if (!path.isEmpty()) {
        m.put(method, path);
      }
    });
    return m;
  }

  /** Held-out tasks named by the user ({@code --tasks}): ids or globs; empty = the split protocol's tasks. */
  private List<String> namedTasks = List.of();

  /**
   * Evaluates the tasks these ids or globs name (all of them, whatever {@code max-tasks} says) instead of the
   * split's: their protein groups are taken out of meta-training ({@link NamedHoldOut}).
   */
  public EvaluateJob tasks(List<String> idsOrGlobs) {
    namedTasks = List.copyOf(idsOrGlobs);
    return this;
  }

  /** Model folders by method (e.g. from {@code --model maml=PATH}); these win over the configuration's. */
  public EvaluateJob models(Map<String, String> m) {
    List<String> meta = Methods.names(MethodKind.META_LEARNER);
    for (String k : m.keySet()) {
      if (!meta.contains(k)) {
        throw new IllegalArgumentException("--model " + k + "=...: only meta-learners take a model ("
            + String.join(", ", meta) + ")");
      }
    }
    models.putAll(m);
    return this;
  }

  private static String strip(String s) {
    return s.endsWith("/") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
  }

  Dirs dirs() {
    String out = strip(cfg.get(RunKeys.OUTPUT_DIR));
    String data = cfg.get(EvalKeys.DATA_DIR).isEmpty() ? out : strip(cfg.get(EvalKeys.DATA_DIR));
    String report = cfg.get(EvalKeys.OUTPUT_DIR).isEmpty() ? out + "/evaluate" : cfg.get(EvalKeys.OUTPUT_DIR);
    return new Dirs(data + "/episodes", data + "/proteins", data + "/variants", report);
  }

  public Result run() throws Exception {
    // before reading or training anything: a missing or broken ESM-2 checkpoint fails now, not in every run
    EsmKeys.resources(cfg, cfg.get(EvalKeys.METHODS_KEY));
    EsmKeys.featureCache(cfg);
    EsmKeys.headFeatures(cfg);
    Dirs dirs = dirs();
    // The report folder, with its training/ folders, is published at the end; a foreign folder is refused now.
    OutputFolder report = ReportOutput.open(dirs.report(), spark.sparkContext().hadoopConfiguration());
    try {
      return run(dirs, report);
    } finally {
      report.abort(); // after a failure: drop the staged report and trainings; nothing to do once published
    }
  }

  private Result run(Dirs given, OutputFolder report) throws Exception {
    Dirs dirs = given;
    MetamutConfig runCfg = cfg;
    String split = cfg.get(EvalKeys.SPLIT);
    HeldOutTasks split0 = HeldOutTasks.read(spark, dirs.episodes());
    List<String> picked;
    if (namedTasks.isEmpty()) {
      picked = pickTasks(split0, split, dirs);
    } else {
      // the named tasks' protein groups leave meta-training: a re-split copy of the episodes in the staged report
      List<String> named = NamedHoldOut.resolve(split0, namedTasks);
      String episodes = new org.apache.hadoop.fs.Path(report.staging(), "held-out/episodes").toString();
      NamedHoldOut.write(spark, dirs.episodes(), split0, named, episodes, say);
      dirs = new Dirs(episodes, dirs.proteins(), dirs.variants(), dirs.report());
      // meta-training reads the re-split episodes and the original variants and proteins
      runCfg = cfg.withOverrides("metamut.train { episodes-dir = \"" + episodes + "\", variants-dir = \""
          + dirs.variants() + "\", proteins-dir = \"" + dirs.proteins() + "\" }\n");
      split = NamedHoldOut.SPLIT;
      split0 = HeldOutTasks.read(spark, episodes);
      NamedHoldOut.check(split0, named);
      picked = named;
      say.accept("evaluating the " + named.size() + " named task(s): " + named);
    }
    checkModelLeak(split0, picked, !namedTasks.isEmpty()
        || "leave-one-protein-out".equals(cfg.get(IngestKeys.SPLIT_PROTOCOL)));

    Method.Resources resources = EsmKeys.resources(cfg, cfg.get(EvalKeys.METHODS_KEY));
    String esmFingerprint = resources.esmCheckpoint().isEmpty() ? null : EsmKeys.checkpoint(cfg).fingerprint();
    // trained methods choose their step (and recipe) on meta-val, as meta-train does, unless meta-val is what is
    // evaluated (named tasks leave meta-val with their protein groups, so selection stays on for them)
    NeuralMethods neural = new NeuralMethods(spark, runCfg, dirs, report, models, !"meta-val".equals(split), say)
        .esmHeadFeatures(cfg.get(EsmKeys.HEAD_FEATURES) ? esmFingerprint : null);
    List<MethodSpec> specs = new ArrayList<>(neural.prepare());
    checkPretrainingLeak(neural.pretrainingTasks(), split0.tasks(split));
    for (String m : cfg.get(EvalKeys.METHODS_KEY)) {
      if (Methods.get(m).kind() == MethodKind.BASELINE) {
        specs.add(new MethodSpec(m, m, MethodKind.BASELINE, null, 0));
      }
    }

    List<TaskData> tasks = HeldOutTasks.pools(spark, dirs.variants(), dirs.proteins(), picked, cfg.get(EvalKeys.POOL_SIZE),
        neural.encoders(), say);
    boolean esmHead = neural.adapters().values().stream().anyMatch(a -> a.recipe().esmFeatures());
    resources = withCachedEsmFeatures(resources, esmFingerprint, tasks, esmHead);
    List<EvalUnit> units = units(tasks, specs.size());
    say.accept(units.size() + " runs: " + tasks.size() + " tasks × k " + cfg.get(EvalKeys.SHOTS) + " × "
        + cfg.get(EvalKeys.SEEDS) + " seeds × " + specs.size() + " methods");
    List<UnitRunner.Outcome> outcomes = runUnits(tasks, units, specs, neural, resources);
    List<ResultRecord> records = new ArrayList<>();
    List<FailedRun> failures = new ArrayList<>();
    for (UnitRunner.Outcome o : outcomes) {
      if (o.failure() != null) {
        failures.add(o.failure());
      } else {
        records.add(o.record());
      }
    }
    failures.sort(FailedRun.ORDER);
    failures.forEach(f -> say.accept(f.line()));

    Map<String, String> fingerprints = new TreeMap<>(neural.fingerprints());
    if (esmFingerprint != null) {
      fingerprints.put("esm-checkpoint", esmFingerprint);
    }
    ReportWriter.Written w = report(dirs, report, split, picked, neural, records, failures, fingerprints);
    say.accept("report: " + w.html().toAbsolutePath()
        + (failures.isEmpty() ? "" : " (" + failures.size() + " of " + outcomes.size() + " runs failed, see failed.csv)"));
    return new Result(Path.of(dirs.report()), records, failures, w, neural.trainSeconds(), picked,
        neural.pretrainingTasks());
  }

  /**
   * With an ESM-2 method and the feature cache on ({@code metamut.esm.feature-cache}): the ESM values of every
   * variant of the evaluated pools, read from the Parquet cache or computed once now and added to it, handed to the
   * ESM baselines (and to closed-form heads with the ESM-2 block, {@code metamut.esm.head-features}) so their runs do
   * no forward pass of their own.
   */
  private Method.Resources withCachedEsmFeatures(Method.Resources resources, String fingerprint, List<TaskData> tasks,
                                                boolean esmHead) {
    boolean esm = cfg.get(EvalKeys.METHODS_KEY).stream().anyMatch(m -> Methods.get(m).needsEsm()) || esmHead;
    java.util.Optional<String> cache = EsmKeys.featureCache(cfg);
    if (!esm || fingerprint == null || cache.isEmpty()) {
      return resources;
    }
    List<org.metamut.lib.baseline.Variant> variants = new ArrayList<>();
    for (TaskData t : tasks) {
      for (int i = 0; i < t.size(); i++) {
        variants.add(new org.metamut.lib.baseline.Variant(t.wildType(i), t.mutations(i)));
      }
    }
    boolean lmHead = EsmKeys.checkpoint(cfg).hasLmHead();
    EsmFeatureCache.Result r = new EsmFeatureCache(spark, say).resolve(cache.get(), resources.esmCheckpoint(),
        fingerprint, lmHead, variants);
    lastEsmCache = r;
    return resources.withEsmFeatures(r.store());
  }

  /** What the ESM feature cache did in the last run (null: not used); for tests and the caller. */
  EsmFeatureCache.Result lastEsmCache;

  /** The split's tasks after the leak checks, and the ones evaluated ({@code max-tasks}). */
  List<String> pickTasks(HeldOutTasks split0, String split, Dirs dirs) {
    String protocol = cfg.get(IngestKeys.SPLIT_PROTOCOL);
    split0.check(split, "leave-one-protein-out".equals(protocol));
    if ("meta-test".equals(split)) {
      split0.check("meta-val", "leave-one-protein-out".equals(protocol));
    }
    List<HeldOutTasks.TaskInfo> infos = split0.tasks(split).stream().map(split0::info).toList();
    if (infos.isEmpty()) {
      throw new IllegalArgumentException("no " + split + " tasks in " + dirs.episodes());
    }
    List<String> picked = HeldOutTasks.pick(infos, cfg.get(EvalKeys.MAX_TASKS));
    say.accept(split + ": " + infos.size() + " tasks (" + protocol + "), evaluating " + picked.size() + ": " + picked);
    return picked;
  }

  /**
   * A given model file that records the protein groups it was meta-trained on ({@code meta-train.protein-groups})
   * must not have seen an evaluated task's group (with {@code byProtein}; always its exact tasks' groups when named).
   * Files that do not record them (older files, bare params.json) are not checked here: said, not refused.
   */
  private void checkModelLeak(HeldOutTasks split0, List<String> picked, boolean byProtein) throws java.io.IOException {
    if (!byProtein || models.isEmpty()) {
      return;
    }
    Set<String> evaluated = new TreeSet<>();
    split0.rows().stream().filter(t -> picked.contains(t.task())).forEach(t -> evaluated.add(t.proteinGroup()));
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(models).entrySet()) {
      for (String member : NeuralMethods.modelPaths(e.getValue())) {
        checkModelLeak(e.getKey(), Path.of(member), evaluated, problems);
      }
    }
    if (!problems.isEmpty()) {
      throw new HeldOutTasks.LeakException(problems);
    }
  }

  /** One model file of a method (an ensemble's member): its recorded meta-train protein groups against the evaluated. */
  private void checkModelLeak(String method, Path p, Set<String> evaluated, List<String> problems)
      throws java.io.IOException {
    Path file = Files.isDirectory(p) ? p.resolve("model.mmut") : p;
    if (!Files.isRegularFile(file) || file.getFileName().toString().endsWith(".json")) {
      return;
    }
    List<String> trained = org.metamut.lib.io.ModelInfo.proteinGroups(org.metamut.lib.io.ModelFile.read(file).provenance());
    if (trained.isEmpty()) {
      say.accept(method + ": " + file + " does not record the protein groups it was meta-trained on; "
          + "it cannot be checked for leakage");
    }
    Set<String> both = new TreeSet<>(trained);
    both.retainAll(evaluated);
    if (!both.isEmpty()) {
      problems.add("the " + method + " model " + file + " was meta-trained on protein group(s) " + both
          + " of the evaluated tasks; meta-train it without them (metamut evaluate meta-trains it when no --model "
          + "is given)");
    }
  }

  private static void checkPretrainingLeak(Set<String> pretrained, List<String> evaluated) {
    Set<String> leaked = new TreeSet<>(pretrained);
    leaked.retainAll(new HashSet<>(evaluated));
    if (!leaked.isEmpty()) {
      throw new HeldOutTasks.LeakException(List.of("the fine-tuning baseline was pre-trained on evaluated tasks " + leaked));
    }
  }

  /**
   * One unit per (task, k, seed, method), every method on the same draw; the k's of a (task, seed) have nested
   * supports and one shared query ({@link Draws#nested}).
   */
  private List<EvalUnit> units(List<TaskData> tasks, int methods) {
    List<EvalUnit> units = new ArrayList<>();
    long seed = cfg.get(RunKeys.SEED);
    int minQuery = cfg.get(EvalKeys.MIN_QUERY);
    int[] shots = cfg.get(EvalKeys.SHOTS).stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
    for (int ti = 0; ti < tasks.size(); ti++) {
      TaskData t = tasks.get(ti);
      List<Integer> fit = new ArrayList<>();
      for (int k : shots) {
        if (t.size() < k + minQuery) {
          say.accept("task " + t.task() + ": " + t.size() + " variants, too few for k = " + k + " + " + minQuery + " query; skipped");
        } else {
          fit.add(k);
        }
      }
      if (fit.isEmpty()) {
        continue;
      }
      int[] ks = fit.stream().mapToInt(Integer::intValue).toArray();
      for (int s = 0; s < cfg.get(EvalKeys.SEEDS); s++) {
        for (Draws d : Draws.nested(t.task(), t.size(), ks, seed + s, cfg.get(EvalKeys.MAX_QUERY))) {
          for (int m = 0; m < methods; m++) {
            units.add(new EvalUnit(ti, d.k(), seed + s, m, d.support(), d.query()));
          }
        }
      }
    }
    if (units.isEmpty()) {
      throw new IllegalArgumentException("nothing to evaluate: no task has enough variants for any k in "
          + cfg.get(EvalKeys.SHOTS));
    }
    return units;
  }

  private List<UnitRunner.Outcome> runUnits(List<TaskData> tasks, List<EvalUnit> units, List<MethodSpec> specs,
                                      NeuralMethods neural, Method.Resources resources) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<List<TaskData>> bTasks = jsc.broadcast(List.copyOf(tasks));
    Broadcast<Map<String, Adapter>> bAdapters = jsc.broadcast(new TreeMap<>(neural.adapters()));
    try {
      UnitRunner runner = new UnitRunner(bTasks, bAdapters, specs, neural.factories(), resources);
      int parts = cfg.get(EvalKeys.PARTITIONS) > 0 ? cfg.get(EvalKeys.PARTITIONS) : jsc.defaultParallelism() * 4;
      return jsc.parallelize(units, Math.max(1, Math.min(parts, units.size()))).mapPartitions(runner::runPartition).collect();
    } finally {
      bTasks.destroy();
      bAdapters.destroy();
    }
  }

  private ReportWriter.Written report(Dirs dirs, OutputFolder out, String split, List<String> picked, NeuralMethods neural,
                                      List<ResultRecord> records, List<FailedRun> failures, Map<String, String> fingerprints)
      throws Exception {
    for (String[] d : new String[][] {{"episodes", dirs.episodes()}, {"proteins", dirs.proteins()}, {"variants", dirs.variants()}}) {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(d[1]);
      if (p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
        fingerprints.put(d[0], DataFingerprint.of(spark.sparkContext().hadoopConfiguration(), d[1]));
      }
    }
    Map<String, String> config = new LinkedHashMap<>();
    for (ConfigKey<?> k : Keys.all()) {
      String p = k.path();
      if (p.startsWith("metamut.evaluate") || p.startsWith("metamut.model") || p.startsWith("metamut.train")
          || p.startsWith("metamut.episodes") || p.startsWith("metamut.run") || p.startsWith("metamut.adapt")
          || p.startsWith("metamut.esm")) {
        config.put(p, String.valueOf(cfg.get(k)));
      }
    }
    config.put("evaluate.tasks", String.join(", ", picked));
    config.put(org.metamut.lib.report.FirstScreen.SPLIT_KEY, namedTasks.isEmpty() ? split : "named tasks (--tasks)");
    config.put("evaluate.meta-training-steps", String.valueOf(neural.trainingSteps()));
    neural.adapters().forEach((m, a) -> config.put("adaptation." + m, a.recipe().describe()));
    neural.trainSeconds().forEach((m, s) -> config.put("train_seconds." + m, String.format(Locale.ROOT, "%.3f", s)));
    String reference = cfg.get(EvalKeys.REFERENCE_METHOD);
    boolean hasRef = records.stream().anyMatch(r -> r.method().equals(reference));
    ReportSettings settings = ReportSettings.builder()
        .title("metamut evaluation: " + split + " tasks, " + cfg.get(IngestKeys.SPLIT_PROTOCOL))
        .referenceMethod(hasRef ? reference : null)
        .bootstrapResamples(cfg.get(EvalKeys.BOOTSTRAP_RESAMPLES))
        .bootstrapLevel(cfg.get(EvalKeys.BOOTSTRAP_LEVEL))
        .bootstrapSeed(cfg.get(RunKeys.SEED))
        .config(config)
        .fingerprints(fingerprints)
        .generatedAt(Instant.now().toString())
        .build();
    return ReportOutput.write(out, new ReportWriter(settings), records, failures);
  }
}
