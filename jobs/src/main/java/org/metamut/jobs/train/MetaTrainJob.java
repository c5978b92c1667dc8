package org.metamut.jobs.train;

import org.metamut.lib.model.ModelFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.metamut.jobs.spark.PartitionFold;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.data.EpisodeLoader;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.jobs.data.MetaBatchSampler;
import org.metamut.jobs.data.VariantPool;
import org.metamut.jobs.data.VariantPoolLoader;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.jobs.output.OutputFolder;
import org.metamut.jobs.output.OutputRefusedException;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.meta.MetaGradientAggregator;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.meta.NonFiniteException;
import org.metamut.lib.meta.OuterStep;
import org.metamut.lib.method.Methods;
import org.metamut.lib.optim.Adam;
import org.metamut.lib.optim.OuterOptimizer;
import org.metamut.lib.optim.Sgd;
import org.metamut.lib.provenance.BuildInfo;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The meta-training loop on the driver (see the package doc for the data flow and the determinism argument).
 * Construct, optionally {@link #resume} (or {@link #overwrite}), add listeners, {@link #run}.
 */
public final class MetaTrainJob {
  /** The job name in output markers. */
  public static final String JOB = "meta-train";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What a run produced. {@code devices}: every device string a task reported (e.g. {@code gpu:0}, {@code cpu}).
   * {@code recipe} and {@code innerRates} (Meta-SGD, else null) are how the model is to be adapted: what its model
   * file records. {@code phi}: the last step's meta-parameters; {@code theta}: the model's, those of
   * {@code selectedStep} (the best on meta-val, or the last step without meta-val).
   */
  public record Result(double[] phi, double[] theta, AdaptationRecipe recipe, double[] innerRates, long lastStep,
                       double lastPreLoss, double lastPostLoss, String modelDir, Set<String> devices,
                       long selectedStep) {
  }

  private final SparkSession spark;
  private final TrainSettings s;
  private final ModelFactory factory;
  private final EncoderSpec encoder;
  private final Consumer<String> say;
  private final List<TrainListener> extra = new ArrayList<>();
  private boolean resume;
  private boolean overwrite;
  private FaultInjection fault;
  private String renderedConfig = "";
  private EpisodeStore givenEpisodes;
  private boolean defaultListeners = true;

  public MetaTrainJob(SparkSession spark, TrainSettings settings, ModelFactory factory, EncoderSpec encoder,
                      Consumer<String> say) {
    this.spark = spark;
    this.s = settings;
    this.factory = factory;
    this.encoder = encoder;
    this.say = say;
  }

  /** Continue from the latest checkpoint (a fresh start when there is none, said so). */
  public MetaTrainJob resume(boolean r) {
    this.resume = r;
    return this;
  }

  /**
   * A fresh run (no {@link #resume}) into a folder that holds another run's checkpoints removes them and the
   * model folder first; without this it is refused ({@link OutputRefusedException}) and every file stays.
   */
  public MetaTrainJob overwrite(boolean o) {
    this.overwrite = o;
    return this;
  }

  public MetaTrainJob faultInjection(FaultInjection f) {
    this.fault = f;
    return this;
  }

  public MetaTrainJob listener(TrainListener l) {
    extra.add(l);
    return this;
  }

  /** Use these episodes instead of reading the episodes/proteins tables (benchmarks). */
  public MetaTrainJob episodes(EpisodeStore store) {
    this.givenEpisodes = store;
    return this;
  }

  /**
   * Without the metrics and checkpoint listeners (benchmarks: no file I/O in the timed loop); the progress
   * listener and the final model stay.
   */
  public MetaTrainJob withoutFileListeners() {
    this.defaultListeners = false;
    return this;
  }

  /** The effective configuration, recorded in checkpoints and the model's provenance. */
  public MetaTrainJob renderedConfig(String hocon) {
    this.renderedConfig = hocon;
    return this;
  }

  private MetaLearner learner() {
    return Methods.metaLearner(s.algorithm(), s.innerLoop(factory.float64()), factory.headRange(), s.learnerOptions());
  }

  private OuterOptimizer optimizer(int dim) {
    return switch (s.optimizer()) {
      case "adam" -> new Adam(dim, s.outerLearningRate(), s.beta1(), s.beta2(), s.adamEpsilon(), 0.0);
      case "sgd" -> new Sgd(dim, s.outerLearningRate());
      default -> throw new IllegalArgumentException("unknown outer optimiser " + s.optimizer());
    };
  }

  public Result run() throws Exception {
    String runId = UUID.randomUUID().toString();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    RunFiles files = new RunFiles(s.outputDir(), spark.sparkContext().hadoopConfiguration());
    Path out = RunFiles.path(s.outputDir());
    Checkpoints checkpoints = new Checkpoints(files, new Path(out, "checkpoints"), s.checkpointKeep(), runId);
    OutputFolder modelOut = prepareOutput(files, out, checkpoints, runId);

    EpisodeStore store = givenEpisodes != null ? givenEpisodes
        : EpisodeLoader.load(spark, s.episodesDir(), s.proteinsDir(), encoder, say);
    if (store.trainIndices().length == 0) {
      throw new IllegalArgumentException("no meta-train episodes in " + s.episodesDir() + " (split = 'meta-train')");
    }
    VariantPool pool = freshPool(store);
    int[] trainPool = pool != null ? pool.taskIndices() : store.trainIndices();
    MetaLearner learner = learner();
    double[] theta0 = factory.initialTheta(s.seed());
    DmsTableSeed.apply(theta0, factory, store, pool, say);
    double[] phi = learner.initialMetaParams(theta0);
    OuterOptimizer opt = optimizer(phi.length);
    NanPolicy nan = new NanPolicy(s.nan());
    dataFingerprint = Checkpoints.dataFingerprint(spark.sparkContext().hadoopConfiguration(), s, givenEpisodes);
    checkpoints.identify(Checkpoints.Identity.of(s, factory.describe(), encoder, opt.name(), phi.length, dataFingerprint));
    long first = resume ? resumeInto(checkpoints, phi, opt, nan, out) : 1;
    MetaValSelector selector = new MetaValSelector(s, factory, learner, store, files, out, say);
    if (resume) {
      selector.restore(new Path(out, "eval.csv"), first - 1, phi.length);
    } else {
      selector.clear();
    }

    List<TrainListener> listeners = listeners(files, out, checkpoints, store, learner);
    TrainListener.StartInfo info = new TrainListener.StartInfo(runId, first, s.outerSteps(), s.metaBatchTasks(),
        phi.length, factory.describe(), learner.toString(), trainPool.length, store.valIndices().length);
    for (TrainListener l : listeners) {
      l.onStart(info);
    }

    Broadcast<EpisodeStore> bStore = jsc.broadcast(store);
    Broadcast<VariantPool> bPool = pool == null ? null : jsc.broadcast(pool);
    Loop loop = new Loop(jsc, runId, learner, bStore, bPool, trainPool, listeners, selector, nan);
    TrainListener.StepReport last;
    Model model;
    try {
      last = loop.run(first, phi, opt);
      if (last == null) {
        say.accept("nothing to do: the latest checkpoint is at step " + (first - 1) + " of " + s.outerSteps());
      }
      model = chooseModel(jsc, runId, bStore, selector, learner, phi, last == null ? first - 1 : last.step(),
          loop.stoppedEarly, listeners);
      for (TrainListener l : listeners) {
        l.onEnd(last);
      }
    } finally {
      bStore.destroy();
      if (bPool != null) {
        bPool.destroy();
      }
      for (TrainListener l : listeners) {
        if (l instanceof MetricsListener m) {
          m.close();
        }
      }
    }
    long lastStep = last == null ? first - 1 : last.step();
    String modelDir = writeModel(files, modelOut, model, lastStep, store, learner);
    if (selector.enabled()) {
      selector.pruneSaved();
    }
    say.accept("model written to " + modelDir + " (step " + model.step() + "; " + model.recipe().describe() + ")");
    return new Result(phi.clone(), model.theta(), model.recipe(), model.rates(), lastStep,
        last == null ? Double.NaN : last.preLoss(), last == null ? Double.NaN : last.postLoss(), modelDir,
        loop.devices, model.step());
  }

  /** What the model folder gets: θ (and learned rates) of the selected step, and the recipe. */
  private record Model(double[] theta, double[] rates, AdaptationRecipe recipe, long step, boolean selected,
                       double metaVal) {
  }

  /** The run's data fingerprint (episodes and proteins), recorded in checkpoints and the model's provenance. */
  private String dataFingerprint = "";

  /**
   * The model: with meta-val, θ of the best step and the recipe chosen there from the grid (announced to the
   * listeners); without, the last θ and the learner's recipe.
   */
  private Model chooseModel(JavaSparkContext jsc, String runId, Broadcast<EpisodeStore> bStore, MetaValSelector selector,
                            MetaLearner learner, double[] lastPhi, long lastStep, boolean stoppedEarly,
                            List<TrainListener> listeners) throws Exception {
    int n = factory.numParams();
    double[] best = selector.bestPhi();
    if (!selector.enabled() || best == null) {
      return new Model(learner.modelParams(lastPhi, n), learner.learnedRates(lastPhi, n), learner.recipe(lastPhi, n), lastStep,
          false, Double.NaN);
    }
    long step = selector.best().step();
    AdaptationRecipe recipe = selector.chooseRecipe(jsc, runId, bStore, best, step);
    TrainListener.SelectionReport r = new TrainListener.SelectionReport(step, selector.best().metric(), lastStep,
        stoppedEarly, recipe.describe());
    for (TrainListener l : listeners) {
      l.onSelection(r);
    }
    return new Model(learner.modelParams(best, n), recipe.learnedRates() ? learner.learnedRates(best, n) : null, recipe,
        step, true, selector.best().metric());
  }

  /**
   * With fresh episodes, every variant of the meta-train tasks (drawn from per step); null with fixed episodes or
   * episodes given by a caller (benchmarks). A fresh draw has the shape of the task's fixed episodes.
   */
  private VariantPool freshPool(EpisodeStore store) {
    if (givenEpisodes != null || !TrainSettings.FRESH.equals(s.episodes())) {
      return null;
    }
    long t0 = System.nanoTime();
    VariantPool pool = VariantPoolLoader.forTrainEpisodes(spark, s.variantsDir(), s.episodesDir(), s.proteinsDir(),
        encoder, store, say).withSupportSizes(s.supportSizes());
    say.accept(String.format(java.util.Locale.ROOT, "fresh episodes: %d meta-train tasks, %d variants (%.1f MB) from %s "
        + "in %.1f s; the fixed episodes held %d variants%s", pool.tasks(), pool.variants(), pool.bytes() / 1e6,
        s.variantsDir(), (System.nanoTime() - t0) / 1e9, trainVariants(store),
        s.supportSizes().isEmpty() ? "" : "; support sizes drawn from " + s.supportSizes()));
    return pool;
  }

  private static long trainVariants(EpisodeStore store) {
    long n = 0;
    for (int i : store.trainIndices()) {
      n += store.episode(i).supportY().length + store.episode(i).queryY().length;
    }
    return n;
  }

  /** An outer step's summary, and why it was skipped (null when it was applied). */
  private record Outcome(OuterStep.Summary summary, String skipped) {
  }

  /** The outer loop: one meta-batch per step, meta-val every {@code eval.every-steps}, early stopping. */
  private final class Loop {
    final JavaSparkContext jsc;
    final String runId;
    final MetaLearner learner;
    final Broadcast<EpisodeStore> bStore;
    final Broadcast<VariantPool> bPool;
    final int[] trainPool;
    final List<TrainListener> listeners;
    final MetaValSelector selector;
    final NanPolicy nan;
    final Set<String> devices = new LinkedHashSet<>();
    boolean stoppedEarly;

    Loop(JavaSparkContext jsc, String runId, MetaLearner learner, Broadcast<EpisodeStore> bStore,
         Broadcast<VariantPool> bPool, int[] trainPool, List<TrainListener> listeners, MetaValSelector selector,
         NanPolicy nan) {
      this.nan = nan;
      this.jsc = jsc;
      this.runId = runId;
      this.learner = learner;
      this.bStore = bStore;
      this.bPool = bPool;
      this.trainPool = trainPool;
      this.listeners = listeners;
      this.selector = selector;
    }

    /** Runs steps {@code first..outerSteps} on {@code state} (updated in place); the last step's report or null. */
    TrainListener.StepReport run(long first, double[] state, OuterOptimizer opt) throws Exception {
      int k = s.metaBatchTasks();
      int parts = Math.max(1, Math.min(s.partitions() > 0 ? s.partitions() : jsc.defaultParallelism(), k));
      TrainListener.StepReport last = null;
      for (long step = first; step <= s.outerSteps(); step++) {
        long t0 = System.nanoTime();
        int[] chosen = MetaBatchSampler.sample(s.seed(), step, trainPool, k);
        MetaGradientAggregator agg = aggregate(jsc, runId, step, learner, bStore, bPool, state, chosen, parts);
        Outcome outcome = applyOrSkip(step, agg, opt, state);
        OuterStep.Summary sum = outcome.summary();
        long nanos = System.nanoTime() - t0;
        String[] devs = agg.devices();
        devices.addAll(Arrays.asList(devs));
        last = new TrainListener.StepReport(step, s.outerSteps(), sum.preLoss(), sum.postLoss(), sum.gradNorm(),
            sum.clipped(), k, agg.totalExamples(), nanos, devs, snapshot(state, opt, nan), outcome.skipped(),
            nan.rateScale());
        for (TrainListener l : listeners) {
          l.onStepEnd(last);
        }
        if (selector.enabled() && (step % s.evalEverySteps() == 0 || step == s.outerSteps())) {
          TrainListener.EvalReport er = selector.evaluate(jsc, runId, bStore, step, state);
          for (TrainListener l : listeners) {
            l.onEval(er);
          }
          if (selector.shouldStop() && step < s.outerSteps()) {
            say.accept("early stopping at step " + step + ": " + s.evalPatience() + " evaluations without a better "
                + "meta-val Spearman than step " + selector.best().step());
            stoppedEarly = true;
            break;
          }
        }
      }
      return last;
    }

    /**
     * The outer step under the {@link NanPolicy}: applied (at the policy's rate), or, when not finite, skipped with φ
     * untouched and the optimiser restored (its moments move before φ is checked).
     */
    private Outcome applyOrSkip(long step, MetaGradientAggregator agg, OuterOptimizer opt, double[] state) {
      Map<String, double[]> before = opt.state();
      try {
        OuterStep.Summary sum = OuterStep.apply(step, agg, opt, s.clipNorm(), state, nan.rateScale());
        nan.applied();
        return new Outcome(sum, null);
      } catch (NonFiniteException e) {
        opt.restore(before);
        say.accept(nan.skip(step, e)); // throws once too many steps in a row were skipped
        boolean failedTask = agg.firstError() != null; // then the losses are not all there
        return new Outcome(new OuterStep.Summary(step, failedTask ? Double.NaN : agg.meanPreLoss(),
            failedTask ? Double.NaN : agg.meanPostLoss(), Double.NaN, false), e.getMessage());
      }
    }
  }

  /**
   * Continues from the latest checkpoint: its φ is copied into {@code phi} and its state into {@code opt}; returns the
   * first step to run (1 when there is none, said so).
   */
  private long resumeInto(Checkpoints checkpoints, double[] phi, OuterOptimizer opt, NanPolicy nan, Path out)
      throws IOException {
    var ck = checkpoints.latestResumable(phi.length, say); // skips corrupt ones; refuses another run's identity
    if (ck.isEmpty()) {
      say.accept("--resume: no checkpoint under " + new Path(out, "checkpoints") + ", starting at step 1");
      return 1;
    }
    var c = ck.get();
    System.arraycopy(c.phi(), 0, phi, 0, phi.length);
    opt.restore(nan.restore(c.optimizerState()));
    say.accept("resuming from " + c.dir() + " (outer step " + c.step() + ")"
        + (nan.skipped() > 0 ? "; " + nan.skipped() + " non-finite steps skipped so far, outer rate x" + nan.rateScale() : ""));
    return c.step() + 1;
  }

  /** Metrics, progress and checkpoints as listeners (files only unless {@link #withoutFileListeners}), then extras. */
  private List<TrainListener> listeners(RunFiles files, Path out, Checkpoints checkpoints, EpisodeStore store,
                                        MetaLearner learner) throws IOException {
    List<TrainListener> listeners = new ArrayList<>();
    if (defaultListeners) {
      listeners.add(new MetricsListener(files, out));
    }
    listeners.add(new ProgressListener(say, s.progressIntervalMs(), System::nanoTime));
    if (defaultListeners) {
      listeners.add(new CheckpointListener(checkpoints, s.checkpointEverySteps(), step -> manifest(step, store, learner)));
    }
    listeners.addAll(extra);
    return listeners;
  }

  /** One outer step's meta-gradient: {@code episodes} are episode indices, or task indices with fresh episodes. */
  private MetaGradientAggregator aggregate(JavaSparkContext jsc, String runId, long step, MetaLearner learner,
                                           Broadcast<EpisodeStore> bStore, Broadcast<VariantPool> bPool, double[] phi,
                                           int[] episodes, int parts) {
    Broadcast<double[]> bPhi = jsc.broadcast(phi.clone());
    try {
      List<int[]> refs = new ArrayList<>(episodes.length);
      for (int slot = 0; slot < episodes.length; slot++) {
        refs.add(new int[] {slot, episodes[slot]});
      }
      TaskComputer computer = new TaskComputer(runId, step, false, factory, learner, bStore, bPool, s.seed(), bPhi,
          s.gpuEnabled(), fault);
      int dim = phi.length;
      int slots = episodes.length;
      return PartitionFold.run(jsc, refs, parts, s.aggregationDepth(), it -> {
        MetaGradientAggregator agg = MetaGradientAggregator.zero(dim, slots);
        while (it.hasNext()) {
          int[] ref = it.next();
          agg.add(computer.compute(ref[0], ref[1]));
        }
        return agg;
      }, MetaGradientAggregator::merge);
    } finally {
      bPhi.destroy();
    }
  }

  /** φ and the optimiser state as of the end of a step, with the NaN policy's state among the optimiser's arrays. */
  private static TrainListener.TrainState snapshot(double[] phi, OuterOptimizer opt, NanPolicy nan) {
    return new TrainListener.TrainState() {
      @Override
      public double[] phi() {
        return phi.clone();
      }

      @Override
      public String optimizerName() {
        return opt.name();
      }

      @Override
      public Map<String, double[]> optimizerState() {
        Map<String, double[]> m = new java.util.LinkedHashMap<>(opt.state());
        m.putAll(nan.state());
        return m;
      }
    };
  }

  private String manifest(long step, EpisodeStore store, MetaLearner learner) {
    ObjectNode m = JSON.createObjectNode();
    m.put("format", "metamut-meta-train-checkpoint");
    m.put("metamut", BuildInfo.current().toString());
    m.put("step", step);
    m.put("outer_steps", s.outerSteps());
    m.put("seed", s.seed());
    m.put("algorithm", s.algorithm());
    m.put("learner", learner.toString());
    m.put("model", factory.describe());
    m.put("encoder", encoder == null ? "none (pre-encoded episodes)" : encoder.kind() + " (" + encoder.maxTokens() + " tokens)");
    m.put("episodes", s.episodesDir());
    m.put("episodes_count", store.size());
    m.put("variants_count", store.variants());
    m.put("written_at", Instant.now().toString());
    m.put("config", renderedConfig);
    try {
      return JSON.writeValueAsString(m);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Before any work: a fresh run into a folder with another run's checkpoints is refused, or (with
   * {@link #overwrite}) starts clean; then opens the model folder, which refuses a foreign {@code model/}.
   */
  private OutputFolder prepareOutput(RunFiles files, Path out, Checkpoints checkpoints, String runId) throws IOException {
    Path modelDir = new Path(out, "model");
    List<Long> steps = resume ? List.of() : checkpoints.steps();
    if (!steps.isEmpty() && !overwrite) {
      throw new OutputRefusedException(OutputFolder.display(new Path(out, "checkpoints"))
          + " holds another run's checkpoints (latest " + Checkpoints.dirName(steps.get(steps.size() - 1)) + "); pass --resume to continue that run, --overwrite to "
          + "start clean (removing them), or choose another output folder");
    }
    if (overwrite && !resume && (!steps.isEmpty() || files.exists(modelDir))) {
      say.accept("--overwrite: removing the previous run's checkpoints and model under " + OutputFolder.display(out));
      files.delete(new Path(out, "checkpoints"));
      files.delete(modelDir);
    }
    return OutputFolder.open(files.fs(), modelDir, JOB, runId, ModelOutput.LEGACY_FILES);
  }

  /**
   * The final model: the model file (θ, the learner's adaptation recipe and any learned inner rates), named
   * parameters (transformer) or a plain array, plus the provenance manifest; published as one folder.
   */
  private String writeModel(RunFiles files, OutputFolder folder, Model m, long lastStep, EpisodeStore store,
                            MetaLearner learner) throws IOException {
    try {
      writeModelFiles(files, folder.staging(), m, lastStep, store, learner);
      folder.publish();
    } finally {
      folder.abort(); // after a failure; nothing to do once published
    }
    return folder.target().toString();
  }

  /** The protein groups of the meta-train tasks of the episodes table, sorted; empty for a table without groups. */
  private List<String> trainedProteinGroups() {
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> eps = spark.read().parquet(s.episodesDir());
    if (!java.util.Arrays.asList(eps.columns()).contains("protein_group")) {
      return List.of(); // episodes written by hand (tests, older tables): nothing to record
    }
    return eps.filter(org.apache.spark.sql.functions.col("split").equalTo("meta-train"))
        .select("protein_group").distinct().orderBy("protein_group").collectAsList().stream()
        .map(r -> r.getString(0)).toList();
  }

  private void writeModelFiles(RunFiles files, Path dir, Model m, long lastStep, EpisodeStore store,
                               MetaLearner learner) throws IOException {
    Map<String, String> prov = new java.util.TreeMap<>();
    prov.put("meta-train.step", Long.toString(m.step()));
    prov.put("meta-train.last-step", Long.toString(lastStep));
    prov.put("meta-train.selection", m.selected() ? "the best step by mean meta-val query Spearman"
        : "the last step (no meta-val selection)");
    prov.put("meta-train.seed", Long.toString(s.seed()));
    prov.put("meta-train.algorithm", s.algorithm());
    prov.put("meta-train.learner", learner.toString());
    prov.put("meta-train.episodes", s.episodesDir() + " (" + store.size() + " episodes, " + store.variants() + " variants)");
    prov.put("meta-train.episode-mode", givenEpisodes == null ? s.episodes() : "given");
    // the model and its initialisation: an ESM-2 backbone names its checkpoint and the checkpoint's fingerprint here
    prov.put("meta-train.model", factory.describe());
    prov.put("meta-train.data-fingerprint", dataFingerprint);
    if (!Double.isNaN(m.metaVal())) {
      prov.put("meta-train.meta-val-spearman", String.format(java.util.Locale.ROOT, "%.4f", m.metaVal()));
    }
    List<String> groups = givenEpisodes == null ? trainedProteinGroups() : List.of();
    if (!groups.isEmpty()) { // what a later evaluation's leak check compares its held-out protein groups with
      prov.put("meta-train.protein-groups", String.join(",", groups));
    }
    prov.put("created", Instant.now().toString());
    prov.put("config", renderedConfig);
    ModelOutput.write(files, dir, factory, encoder, m.theta(), m.recipe(), m.rates(), manifest(m.step(), store, learner), prov);
  }
}
