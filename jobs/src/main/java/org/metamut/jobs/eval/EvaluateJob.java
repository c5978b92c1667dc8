package org.metamut.jobs.eval;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.config.ConfigKey;
import org.metamut.jobs.config.EvalKeys;
import org.metamut.jobs.config.IngestKeys;
import org.metamut.jobs.config.Keys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.jobs.train.EpisodeLoader;
import org.metamut.jobs.train.EpisodeStore;
import org.metamut.jobs.train.MetaTrainJob;
import org.metamut.jobs.train.TrainSettings;
import org.metamut.jobs.train.TransformerFactory;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.NamedParams;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.meta.MetaAlgorithm;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.report.Fingerprints;
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
 * The evaluate job on the driver (see the package doc and src/docs/evaluate.md): leak checks, one initial θ per
 * neural method, (task, k, seed) draws, runs on executors, report.
 */
public final class EvaluateJob {

  /** What a run produced. {@code trainSeconds}: per method, the task-independent training it was charged. */
  public record Result(Path reportDir, List<ResultRecord> records, ReportWriter.Written written,
                       Map<String, Double> trainSeconds, List<String> tasks, Set<String> pretrainingTasks) {
  }

  private static final Set<String> META = Set.of("maml", "fomaml", "anil", "reptile");

  private final SparkSession spark;
  private final MetamutConfig cfg;
  private final Consumer<String> say;
  private final Map<String, String> models = new TreeMap<>();

  public EvaluateJob(SparkSession spark, MetamutConfig cfg, Consumer<String> say) {
    this.spark = spark;
    this.cfg = cfg;
    this.say = say;
    EvalKeys.MODELS.forEach((m, k) -> {
      if (!cfg.get(k).isEmpty()) {
        models.put(m, cfg.get(k));
      }
    });
  }

  /** Model folders by method (e.g. from {@code --model maml=PATH}); these win over the configuration's. */
  public EvaluateJob models(Map<String, String> m) {
    for (String k : m.keySet()) {
      if (!META.contains(k)) {
        throw new IllegalArgumentException("--model " + k + "=...: only maml, fomaml, anil and reptile take a model");
      }
    }
    models.putAll(m);
    return this;
  }

  private static String strip(String s) {
    return s.endsWith("/") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
  }

  public Result run() throws Exception {
    String out = strip(cfg.get(RunKeys.OUTPUT_DIR));
    String data = cfg.get(EvalKeys.DATA_DIR).isEmpty() ? out : strip(cfg.get(EvalKeys.DATA_DIR));
    String reportDir = cfg.get(EvalKeys.OUTPUT_DIR).isEmpty() ? out + "/evaluate" : cfg.get(EvalKeys.OUTPUT_DIR);
    String episodesDir = data + "/episodes";
    String proteinsDir = data + "/proteins";
    String variantsDir = data + "/variants";
    String split = cfg.get(EvalKeys.SPLIT);
    long seed = cfg.get(RunKeys.SEED);
    String protocol = cfg.get(IngestKeys.SPLIT_PROTOCOL);
    // The report folder, with its training/ folders, is published at the end; a foreign folder is refused now.
    OutputFolder report = ReportOutput.open(reportDir, spark.sparkContext().hadoopConfiguration());

    // 1. Tasks and leak checks (the split is the ingest job's).
    HeldOutTasks split0 = HeldOutTasks.read(spark, episodesDir);
    split0.check(split, "leave-one-protein-out".equals(protocol));
    if ("meta-test".equals(split)) {
      split0.check("meta-val", "leave-one-protein-out".equals(protocol));
    }
    List<HeldOutTasks.TaskInfo> infos = split0.tasks(split).stream().map(split0::info).toList();
    if (infos.isEmpty()) {
      throw new IllegalArgumentException("no " + split + " tasks in " + episodesDir);
    }
    List<String> picked = HeldOutTasks.pick(infos, cfg.get(EvalKeys.MAX_TASKS));
    say.accept(split + ": " + infos.size() + " tasks (" + protocol + "), evaluating " + picked.size() + ": " + picked);

    // 2. Methods (with the encoding ablation) and their initial θ.
    TransformerFactory base = TransformerFactory.from(cfg);
    EncoderSpec defaultEncoder = TransformerFactory.encoderSpec(cfg);
    List<String[]> neural = new ArrayList<>(); // {name, method, encoder kind}
    List<MethodSpec> specs = new ArrayList<>();
    List<String> methodNames = new ArrayList<>(cfg.get(EvalKeys.METHODS_KEY));
    for (String m : methodNames) {
      if (m.startsWith("ridge-")) {
        continue;
      }
      neural.add(new String[] {m, m, defaultEncoder.kind()});
    }
    String ablation = cfg.get(EvalKeys.ABLATION_METHOD);
    for (String enc : cfg.get(EvalKeys.ABLATION_ENCODERS)) {
      if (!enc.equals(defaultEncoder.kind())) {
        neural.add(new String[] {ablation + "/" + enc, ablation, enc});
      }
    }
    Map<String, TransformerFactory> factories = new LinkedHashMap<>();
    List<EncoderSpec> encoders = new ArrayList<>();
    for (String[] n : neural) {
      if (!factories.containsKey(n[2])) {
        EncoderSpec es = new EncoderSpec(n[2], defaultEncoder.maxTokens());
        encoders.add(es);
        // The wild-type + mask encoder marks mutated positions with flags: its model always reads them.
        boolean flags = base.spec().useFlags() || es.hasFlags();
        factories.put(n[2], new TransformerFactory(base.spec().withFlags(flags), base.float64()));
      }
    }
    int steps = cfg.get(EvalKeys.TRAIN_OUTER_STEPS) > 0 ? cfg.get(EvalKeys.TRAIN_OUTER_STEPS) : TrainSettings.from(cfg).outerSteps();
    Map<String, double[]> thetas = new TreeMap<>();
    Map<String, Double> trainSeconds = new TreeMap<>();
    Set<String> pretrainTasks = new TreeSet<>();
    Map<String, String> fingerprints = new TreeMap<>();
    Map<String, EpisodeStore> stores = new TreeMap<>();
    for (String[] n : neural) {
      String name = n[0];
      String method = n[1];
      EncoderSpec enc = new EncoderSpec(n[2], defaultEncoder.maxTokens());
      TransformerFactory f = factories.get(n[2]);
      double secs = 0;
      double[] theta;
      if (META.contains(method) && models.containsKey(method) && enc.equals(defaultEncoder)) {
        Path p = Path.of(models.get(method));
        Path file = Files.isDirectory(p)
            ? (Files.exists(p.resolve("model.mmut")) ? p.resolve("model.mmut") : p.resolve("params.json")) : p;
        if (file.getFileName().toString().endsWith(".json")) {
          theta = NamedParams.readJson(file, ParamLayout.of(f.spec()));
        } else {
          SavedModel saved = ModelFile.read(file);
          if (!saved.spec().equals(f.spec()) || !saved.encoder().equals(enc)) {
            throw new IllegalArgumentException("model " + file + " is " + saved.spec().summary() + " with the "
                + saved.encoder().kind() + " encoder; this configuration has " + f.spec().summary() + " with "
                + enc.kind() + " (set metamut.model.* to match)");
          }
          theta = saved.theta();
        }
        fingerprints.put("model " + name, Fingerprints.sha256(file));
        say.accept(name + ": θ from " + file + " (its training time is not known here: train_seconds = 0)");
      } else if (META.contains(method)) {
        TrainSettings s = TrainSettings.from(cfg);
        TrainSettings t = new TrainSettings(MetaAlgorithm.fromConfig(method), steps, s.metaBatchTasks(), s.innerSteps(),
            s.innerLearningRate(), false, s.anilSecondOrder(), s.reptileIncludeQuery(), s.hvpRelativeStep(), s.hvpCentral(), s.optimizer(),
            s.outerLearningRate(), s.beta1(), s.beta2(), s.adamEpsilon(), s.clipNorm(), s.partitions(),
            s.aggregationDepth(), 0, s.evalMaxTasks(), 0, 1, episodesDir, proteinsDir,
            ReportOutput.trainingDir(report, name), seed, s.gpuEnabled(), s.progressIntervalMs());
        say.accept(name + ": meta-training " + steps + " outer steps (" + enc.kind() + " encoder)");
        long t0 = System.nanoTime();
        MetaTrainJob.Result r = new MetaTrainJob(spark, t, f, enc, line -> { }).overwrite(true) // evaluate's own folder
            .renderedConfig(cfg.renderMetamut()).run();
        secs = (System.nanoTime() - t0) / 1e9;
        theta = r.theta();
        say.accept(String.format(Locale.ROOT, "%s: meta-trained in %.1f s, last meta-batch query loss %.4f -> %.4f",
            name, secs, r.lastPreLoss(), r.lastPostLoss()));
      } else if ("finetune".equals(method)) {
        EpisodeStore store = stores.computeIfAbsent(enc.kind(),
            k -> EpisodeLoader.load(spark, episodesDir, proteinsDir, enc));
        TrainSettings s = TrainSettings.from(cfg);
        say.accept(name + ": joint pre-training on the meta-train tasks, " + steps + " Adam steps (" + enc.kind() + " encoder)");
        JointPretrainer.Result r = JointPretrainer.run(spark, store, f, steps, s.metaBatchTasks(),
            cfg.get(EvalKeys.PRETRAIN_LEARNING_RATE), s.clipNorm(), seed, parallelism(), line -> { });
        secs = r.seconds();
        theta = r.theta();
        pretrainTasks.addAll(r.trainedTasks());
        say.accept(String.format(Locale.ROOT, "%s: pre-trained in %.1f s on %d tasks, last loss %.4f", name, secs,
            r.trainedTasks().size(), r.lastLoss()));
      } else {
        theta = f.initialTheta(seed);
      }
      thetas.put(name, theta);
      trainSeconds.put(name, secs);
      specs.add(new MethodSpec(name, MethodSpec.Kind.NEURAL, "anil".equals(method) ? "anil" : "fomaml", enc.kind(), enc.maxTokens(), name, secs));
    }
    Set<String> leaked = new TreeSet<>(pretrainTasks);
    leaked.retainAll(new HashSet<>(split0.tasks(split)));
    if (!leaked.isEmpty()) {
      throw new HeldOutTasks.LeakException(List.of("the fine-tuning baseline was pre-trained on evaluated tasks " + leaked));
    }
    for (String m : methodNames) {
      if (m.equals("ridge-onehot")) {
        specs.add(new MethodSpec(m, MethodSpec.Kind.RIDGE_ONEHOT, null, null, 0, null, 0));
      } else if (m.equals("ridge-substitution")) {
        specs.add(new MethodSpec(m, MethodSpec.Kind.RIDGE_SUBSTITUTION, null, null, 0, null, 0));
      }
    }

    // 3. Variant pools and draws.
    List<TaskData> tasks = HeldOutTasks.pools(spark, variantsDir, proteinsDir, picked, cfg.get(EvalKeys.POOL_SIZE),
        encoders, say);
    List<EvalUnit> units = new ArrayList<>();
    int maxQuery = cfg.get(EvalKeys.MAX_QUERY);
    int minQuery = cfg.get(EvalKeys.MIN_QUERY);
    for (int ti = 0; ti < tasks.size(); ti++) {
      TaskData t = tasks.get(ti);
      for (int k : cfg.get(EvalKeys.SHOTS)) {
        if (t.size() < k + minQuery) {
          say.accept("task " + t.task() + ": " + t.size() + " variants, too few for k = " + k + " + " + minQuery + " query; skipped");
          continue;
        }
        for (int s = 0; s < cfg.get(EvalKeys.SEEDS); s++) {
          Draws d = Draws.draw(t.task(), t.size(), k, seed + s, maxQuery);
          for (int m = 0; m < specs.size(); m++) {
            units.add(new EvalUnit(ti, k, seed + s, m, d.support(), d.query()));
          }
        }
      }
    }
    if (units.isEmpty()) {
      throw new IllegalArgumentException("nothing to evaluate: no task has enough variants for any k in "
          + cfg.get(EvalKeys.SHOTS));
    }
    say.accept(units.size() + " runs: " + tasks.size() + " tasks × k " + cfg.get(EvalKeys.SHOTS) + " × "
        + cfg.get(EvalKeys.SEEDS) + " seeds × " + specs.size() + " methods");

    // 4. Runs on executors.
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<List<TaskData>> bTasks = jsc.broadcast(List.copyOf(tasks));
    Broadcast<Map<String, double[]>> bThetas = jsc.broadcast(new TreeMap<>(thetas));
    List<ResultRecord> records;
    try {
      UnitRunner runner = new UnitRunner(bTasks, bThetas, specs, factories, cfg.get(EvalKeys.ADAPT_STEPS),
          cfg.get(EvalKeys.ADAPT_LEARNING_RATE));
      int parts = cfg.get(EvalKeys.PARTITIONS) > 0 ? cfg.get(EvalKeys.PARTITIONS) : parallelism() * 4;
      records = jsc.parallelize(units, Math.max(1, Math.min(parts, units.size())))
          .mapPartitions(runner::runPartition).collect();
    } finally {
      bTasks.destroy();
      bThetas.destroy();
    }

    // 5. Report.
    for (String[] d : new String[][] {{"episodes", episodesDir}, {"proteins", proteinsDir}, {"variants", variantsDir}}) {
      Path p = Path.of(d[1]);
      if (Files.exists(p)) {
        fingerprints.put(d[0], Fingerprints.sha256(p));
      }
    }
    Map<String, String> config = new LinkedHashMap<>();
    for (ConfigKey<?> k : Keys.all()) {
      if (k.path().startsWith("metamut.evaluate") || k.path().startsWith("metamut.model") || k.path().startsWith("metamut.train")
          || k.path().startsWith("metamut.episodes") || k.path().startsWith("metamut.run")) {
        config.put(k.path(), String.valueOf(cfg.get(k)));
      }
    }
    config.put("evaluate.tasks", String.join(", ", picked));
    config.put("evaluate.meta-training-steps", String.valueOf(steps));
    trainSeconds.forEach((m, s) -> config.put("train_seconds." + m, String.format(Locale.ROOT, "%.3f", s)));
    String reference = cfg.get(EvalKeys.REFERENCE_METHOD);
    boolean hasRef = specs.stream().anyMatch(s -> s.name().equals(reference));
    ReportSettings settings = ReportSettings.builder()
        .title("metamut evaluation: " + split + " tasks, " + protocol)
        .referenceMethod(hasRef ? reference : null)
        .bootstrapResamples(cfg.get(EvalKeys.BOOTSTRAP_RESAMPLES))
        .bootstrapLevel(cfg.get(EvalKeys.BOOTSTRAP_LEVEL))
        .bootstrapSeed(seed)
        .config(config)
        .fingerprints(fingerprints)
        .generatedAt(Instant.now().toString())
        .build();
    Path dir = Path.of(reportDir);
    ReportWriter.Written w = ReportOutput.write(report, new ReportWriter(settings), records);
    say.accept("report: " + w.html().toAbsolutePath());
    return new Result(dir, records, w, trainSeconds, picked, pretrainTasks);
  }

  private int parallelism() {
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).defaultParallelism();
  }
}
