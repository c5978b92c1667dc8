package org.metamut.jobs.eval;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.config.AdaptKeys;
import org.metamut.jobs.config.EvalKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.ModelKeys;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.data.EpisodeLoader;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.jobs.data.VariantPool;
import org.metamut.jobs.data.VariantPoolLoader;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.jobs.train.MetaTrainJob;
import org.metamut.jobs.train.MetaValidation;
import org.metamut.jobs.train.TrainSettings;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.NamedParams;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TransformerFactory;
import org.metamut.jobs.data.DataFingerprint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The evaluate job's neural methods, each prepared by its registry kind into an {@link Adapter} (trained θ plus the
 * adaptation recipe it is used with): meta-learners are read from a model file or meta-trained here (their recipe
 * is the inner loop they trained with), the fine-tuning baseline is jointly pre-trained, scratch is freshly
 * initialised (both with the fine-tune recipe). The user's adaptation overrides ({@code metamut.adapt.*}) apply to
 * every method alike and are recorded in its recipe. The encoding ablation adds {@code <method>/<encoder>} methods.
 */
final class NeuralMethods {
  private final SparkSession spark;
  private final MetamutConfig cfg;
  private final EvaluateJob.Dirs dirs;
  private final OutputFolder report;
  private final Map<String, String> models;
  private final Consumer<String> say;
  private final int steps;
  private final boolean selectOnMetaVal;

  private final Map<String, Adapter> adapters = new TreeMap<>();
  private final Map<String, ModelFactory> factories = new LinkedHashMap<>();
  private final List<EncoderSpec> encoders = new ArrayList<>();
  private final Map<String, Double> trainSeconds = new TreeMap<>();
  private final Set<String> pretrainingTasks = new TreeSet<>();
  private final Map<String, String> fingerprints = new TreeMap<>();

  /**
   * @param report          the evaluate job's report folder: meta-trainings run in its staged {@code training/} folder
   * @param selectOnMetaVal trained methods keep their best step on meta-val ({@code metamut.train.eval.*}) and
   *                        meta-learners choose their recipe there, as the meta-train job does; off when meta-val is
   *                        the evaluated split
   */
  NeuralMethods(SparkSession spark, MetamutConfig cfg, EvaluateJob.Dirs dirs, OutputFolder report, Map<String, String> models,
                boolean selectOnMetaVal, Consumer<String> say) {
    this.selectOnMetaVal = selectOnMetaVal;
    this.spark = spark;
    this.cfg = cfg;
    this.dirs = dirs;
    this.report = report;
    this.models = models;
    this.say = say;
    this.steps = cfg.get(EvalKeys.TRAIN_OUTER_STEPS) > 0 ? cfg.get(EvalKeys.TRAIN_OUTER_STEPS)
        : TrainSettings.from(cfg).outerSteps();
  }

  /** Trains or loads every neural method of the configuration; their specs in report order. */
  List<MethodSpec> prepare() throws Exception {
    EncoderSpec defaultEncoder = ModelKeys.encoder(cfg);
    List<String[]> neural = new ArrayList<>(); // {name, method, encoder kind}
    for (String m : cfg.get(EvalKeys.METHODS_KEY)) {
      if (Methods.get(m).kind().neural()) {
        neural.add(new String[] {m, m, defaultEncoder.kind()});
      }
    }
    String ablation = cfg.get(EvalKeys.ABLATION_METHOD);
    for (String enc : cfg.get(EvalKeys.ABLATION_ENCODERS)) {
      if (!enc.equals(defaultEncoder.kind())) {
        neural.add(new String[] {ablation + "/" + enc, ablation, enc});
      }
    }
    List<MethodSpec> specs = new ArrayList<>();
    for (String[] n : neural) {
      EncoderSpec enc = new EncoderSpec(n[2], defaultEncoder.maxTokens());
      ModelFactory f = factory(enc);
      MethodKind kind = Methods.get(n[1]).kind();
      boolean loaded = kind == MethodKind.META_LEARNER && models.containsKey(n[1]) && enc.equals(defaultEncoder);
      long t0 = System.nanoTime();
      Adapter a = switch (kind) {
        case META_LEARNER -> loaded
            ? loadAll(n[0], n[1], models.get(n[1]), (TransformerFactory) f, enc) : metaTrain(n[0], n[1], f, enc);
        case FINE_TUNE -> fineTune(n[0], n[1], f, enc);
        case SCRATCH -> new Adapter(f.initialTheta(cfg.get(RunKeys.SEED)), null, AdaptKeys.fineTuneRecipe(cfg, n[1]),
            f.headRange());
        case BASELINE -> throw new IllegalStateException(n[1] + " is not a neural method");
      };
      // The training clock is the same work for every trained method: from nothing to its θ, i.e. reading and encoding
      // the meta-train episodes, every step (and meta-training's meta-val checks and checkpoints) and writing the model.
      // A model read from a file (cost unknown here) and a fresh initialisation are charged 0.
      double secs = loaded || kind == MethodKind.SCRATCH ? 0 : (System.nanoTime() - t0) / 1e9;
      Adapter used = a.override(cfg.get(AdaptKeys.STEPS), cfg.get(AdaptKeys.LEARNING_RATE))
          .overrideSites(AdaptKeys.siteBlock(cfg)).overrideEsm(esmHeadFeatures != null, esmHeadFeatures);
      if (used.recipe().esmFeatures()) {
        say.accept(n[0] + ": " + used.recipe().describe());
      } else if (esmHeadFeatures != null) {
        say.accept(n[0] + ": note: metamut.esm.head-features is on, but only a closed-form head takes ESM-2 features ("
            + used.recipe().describe() + ")");
      }
      adapters.put(n[0], used);
      trainSeconds.put(n[0], secs);
      specs.add(new MethodSpec(n[0], n[1], kind, enc, secs));
    }
    return specs;
  }

  private String esmHeadFeatures;

  /**
   * A closed-form head's ESM-2 block on, with the features of checkpoint {@code fingerprint}
   * ({@code metamut.esm.head-features}); null (the default) = off. Call before {@link #prepare}.
   */
  NeuralMethods esmHeadFeatures(String fingerprint) {
    this.esmHeadFeatures = fingerprint;
    return this;
  }

  /** The model factory of an encoder: the wild-type + mask encoder marks mutated positions, so its model reads flags. */
  private ModelFactory factory(EncoderSpec enc) {
    return factories.computeIfAbsent(enc.kind(), k -> {
      encoders.add(enc);
      TransformerFactory base = ModelKeys.factory(cfg);
      if (ModelKeys.esm2(cfg) && !enc.esm()) {
        throw new org.metamut.jobs.config.MetamutConfig.InvalidConfigException(List.of(EvalKeys.ABLATION_ENCODERS.path()
            + " has " + enc.kind() + ", but " + ModelKeys.BACKBONE.path() + " = " + ModelKeys.ESM2 + " reads only the esm "
            + "encoder: set it to []"));
      }
      return base.withSpec(base.spec().withFlags(base.spec().useFlags() || enc.hasFlags())); // keeps an ESM-2 init
    });
  }

  /**
   * A meta-learner's model, or a deep ensemble when {@code paths} lists several, comma-separated as Spark's own path
   * lists are ({@link Adapter#ensemble}: the members' mean prediction and mixture SD).
   */
  private Adapter loadAll(String name, String method, String paths, TransformerFactory f, EncoderSpec enc)
      throws IOException {
    List<String> each = modelPaths(paths);
    if (each.size() == 1) {
      return load(name, method, Path.of(each.get(0)), f, enc);
    }
    List<Adapter> members = new ArrayList<>();
    for (int i = 0; i < each.size(); i++) {
      members.add(load(name + " member " + (i + 1), method, Path.of(each.get(i)), f, enc));
    }
    say.accept(name + ": an ensemble of " + members.size() + " models (mean prediction, mixture SD)");
    return Adapter.ensemble(members);
  }

  /** The model paths of a {@code metamut.evaluate.models} value or {@code --model} argument: one, or comma-separated. */
  static List<String> modelPaths(String value) {
    List<String> out = new ArrayList<>();
    for (String p : value.split(",")) {
      if (!p.isBlank()) {
        out.add(p.strip());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no model path in '" + value + "'");
    }
    return out;
  }

  /** A meta-learner's model from a file or folder: its own recipe (a bare params.json: the configured inner loop). */
  private Adapter load(String name, String method, Path p, TransformerFactory f, EncoderSpec enc) throws IOException {
    Path file = Files.isDirectory(p)
        ? (Files.exists(p.resolve("model.mmut")) ? p.resolve("model.mmut") : p.resolve("params.json")) : p;
    Adapter a;
    if (file.getFileName().toString().endsWith(".json")) {
      TrainSettings s = TrainSettings.from(cfg);
      AdaptationRecipe recipe = Methods.metaLearner(method, s.innerLoop(f.float64()), f.headRange(), s.learnerOptions()).recipe();
      a = new Adapter(NamedParams.readJson(file, ParamLayout.of(f.spec())), null, recipe, f.headRange());
    } else {
      SavedModel saved = ModelFile.read(file);
      if (!saved.spec().equals(f.spec()) || !saved.encoder().equals(enc)) {
        throw new IllegalArgumentException("model " + file + " is " + saved.spec().summary() + " with the "
            + saved.encoder().kind() + " encoder; this configuration has " + f.spec().summary() + " with "
            + enc.kind() + " (set metamut.model.* to match)");
      }
      a = Adapter.of(saved);
    }
    fingerprints.put("model " + name, DataFingerprint.of(spark.sparkContext().hadoopConfiguration(), file.toUri().toString()));
    say.accept(name + ": θ from " + file + ", " + a.recipe().describe()
        + " (its training time is not known here: train_seconds = 0)");
    return a;
  }

  private Adapter metaTrain(String name, String method, ModelFactory f, EncoderSpec enc) throws Exception {
    TrainSettings t = TrainSettings.from(cfg).forRun(method, steps, dirs.episodes(), dirs.proteins(),
        ReportOutput.trainingDir(report, name), selectOnMetaVal);
    say.accept(name + ": meta-training " + steps + " outer steps (" + enc.kind() + " encoder)");
    long t0 = System.nanoTime();
    // its progress lines (step/total, losses, ETA) go out prefixed by the method: minutes of training are not silent
    MetaTrainJob.Result r = new MetaTrainJob(spark, t, f, enc, line -> say.accept(name + ": " + line))
        .overwrite(true) // evaluate's own folder
        .renderedConfig(cfg.renderMetamut()).run();
    say.accept(String.format(Locale.ROOT, "%s: meta-trained in %.1f s, last meta-batch query loss %.4f -> %.4f; %s",
        name, (System.nanoTime() - t0) / 1e9, r.lastPreLoss(), r.lastPostLoss(), r.recipe().describe()));
    return new Adapter(r.theta(), r.innerRates(), r.recipe(), f.headRange());
  }

  private Adapter fineTune(String name, String method, ModelFactory f, EncoderSpec enc) {
    // loaded per method, not shared: each trained method's clock includes reading its episodes, as meta-training's does
    EpisodeStore store = EpisodeLoader.load(spark, dirs.episodes(), dirs.proteins(), enc);
    TrainSettings s = TrainSettings.from(cfg);
    // the same data as meta-training: fresh (step, task) samples from all meta-train variants, or the fixed episodes
    VariantPool fresh = TrainSettings.FRESH.equals(s.episodes())
        ? VariantPoolLoader.forTrainEpisodes(spark, dirs.variants(), dirs.episodes(), dirs.proteins(), enc, store,
            line -> say.accept(name + ": " + line)).withSupportSizes(s.supportSizes())
        : null;
    say.accept(name + ": joint pre-training on the meta-train tasks, " + steps + " Adam steps (" + enc.kind() + " encoder, "
        + s.episodes() + " episodes)");
    int parallelism = JavaSparkContext.fromSparkContext(spark.sparkContext()).defaultParallelism();
    AdaptationRecipe recipe = AdaptKeys.fineTuneRecipe(cfg, method);
    JointPretrainer.Selection selection = selectOnMetaVal ? new JointPretrainer.Selection(s.evalEverySteps(),
        s.evalPatience(), MetaValidation.episodes(store, s.evalMaxTasks(), s.evalEpisodesPerTask()), recipe,
        f.headRange()) : null;
    JointPretrainer.Result r = JointPretrainer.run(spark, store, fresh, f, steps, s.metaBatchTasks(),
        cfg.get(EvalKeys.PRETRAIN_LEARNING_RATE), s.clipNorm(), cfg.get(RunKeys.SEED), parallelism, s.progressIntervalMs(),
        selection, line -> say.accept(name + ": " + line));
    pretrainingTasks.addAll(r.trainedTasks());
    say.accept(String.format(Locale.ROOT, "%s: pre-trained in %.1f s on %d tasks, last loss %.4f%s", name, r.seconds(),
        r.trainedTasks().size(), r.lastLoss(), r.curve().isEmpty() ? "" : "; kept step " + r.keptStep()
            + " (best meta-val Spearman)"));
    return new Adapter(r.theta(), null, recipe, f.headRange());
  }

  Map<String, Adapter> adapters() {
    return adapters;
  }

  Map<String, ModelFactory> factories() {
    return factories;
  }

  List<EncoderSpec> encoders() {
    return encoders;
  }

  Map<String, Double> trainSeconds() {
    return trainSeconds;
  }

  Set<String> pretrainingTasks() {
    return pretrainingTasks;
  }

  Map<String, String> fingerprints() {
    return fingerprints;
  }

  int trainingSteps() {
    return steps;
  }
}
