package org.metamut.jobs.train;

import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.jobs.config.TrainKeys;
import org.metamut.lib.meta.FiniteDifferenceHvp;
import org.metamut.lib.meta.InnerLoop;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;

import java.io.Serializable;
import java.util.List;

/**
 * The validated settings of one meta-training run, parsed once on the driver from the configuration.
 *
 * @param outputDir folder of this job's outputs ({@code <run.output-dir>/meta-train}); checkpoints, metrics, model
 * @param episodes    {@code fresh} (draw per step and task from {@code variantsDir}) or {@code fixed}
 * @param gridSteps   inner steps tried on meta-val for the model's recipe (empty: the learner's own)
 * @param gridRates   inner rates tried with them (empty: the learner's own)
 * @param nan         what a non-finite outer step does ({@link NanPolicy})
 */
public record TrainSettings(String algorithm, int outerSteps, int metaBatchTasks, int innerSteps,
                            double innerLearningRate, boolean learnedRates, boolean anilSecondOrder, boolean reptileIncludeQuery,
                            double cfHeadRankWeight, double hvpRelativeStep, boolean hvpCentral, String optimizer, double outerLearningRate,
                            double beta1, double beta2, double adamEpsilon, double clipNorm, int partitions,
                            int aggregationDepth, int evalEverySteps, int evalMaxTasks, int checkpointEverySteps,
                            int checkpointKeep, String episodesDir, String proteinsDir, String outputDir, long seed,
                            boolean gpuEnabled, long progressIntervalMs, String episodes, String variantsDir,
                            int evalEpisodesPerTask, int evalPatience, List<Integer> gridSteps,
                            List<Double> gridRates, NanPolicy.Settings nan, List<Integer> supportSizes)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String FRESH = "fresh";
  public static final String FIXED = "fixed";

  public TrainSettings {
    if (!FRESH.equals(episodes) && !FIXED.equals(episodes)) {
      throw new IllegalArgumentException(TrainKeys.EPISODES.path() + " must be fresh or fixed, got " + episodes);
    }
    gridSteps = List.copyOf(gridSteps);
    gridRates = List.copyOf(gridRates);
    Method m = Methods.get(algorithm);
    if (m.kind() != MethodKind.META_LEARNER) {
      throw new IllegalArgumentException(TrainKeys.ALGORITHM.path() + " = " + algorithm + " is not a meta-learner (known: "
          + String.join(", ", Methods.names(MethodKind.META_LEARNER)) + ")");
    }
    if (learnedRates && !m.learnedRates()) {
      throw new IllegalArgumentException(TrainKeys.INNER_LEARNED_RATES.path() + " = true is not supported with "
          + TrainKeys.ALGORITHM.path() + " = " + algorithm);
    }
  }

  public static TrainSettings from(MetamutConfig c) {
    String out = stripSlash(c.get(RunKeys.OUTPUT_DIR));
    String episodes = c.get(TrainKeys.EPISODES_DIR);
    String proteins = c.get(TrainKeys.PROTEINS_DIR);
    String episodesDir = episodes.isEmpty() ? out + "/episodes" : episodes;
    String variants = c.get(TrainKeys.VARIANTS_DIR);
    return new TrainSettings(c.get(TrainKeys.ALGORITHM), c.get(TrainKeys.OUTER_STEPS),
        c.get(TrainKeys.META_BATCH_TASKS), c.get(TrainKeys.INNER_STEPS), c.get(TrainKeys.INNER_LEARNING_RATE),
        c.get(TrainKeys.INNER_LEARNED_RATES), c.get(TrainKeys.ANIL_SECOND_ORDER), c.get(TrainKeys.REPTILE_INCLUDE_QUERY),
        c.get(TrainKeys.CF_HEAD_RANK_WEIGHT), c.get(TrainKeys.HVP_RELATIVE_STEP),
        c.get(TrainKeys.HVP_CENTRAL), c.get(TrainKeys.OUTER_OPTIMIZER), c.get(TrainKeys.OUTER_LEARNING_RATE),
        c.get(TrainKeys.ADAM_BETA1), c.get(TrainKeys.ADAM_BETA2), c.get(TrainKeys.ADAM_EPSILON),
        c.get(TrainKeys.CLIP_NORM), c.get(TrainKeys.PARTITIONS), c.get(TrainKeys.AGGREGATION_DEPTH),
        c.get(TrainKeys.EVAL_EVERY_STEPS), c.get(TrainKeys.EVAL_MAX_TASKS), c.get(TrainKeys.CHECKPOINT_EVERY_STEPS),
        c.get(TrainKeys.CHECKPOINT_KEEP), episodesDir,
        proteins.isEmpty() ? out + "/proteins" : proteins, out + "/meta-train", c.get(RunKeys.SEED),
        c.get(TrainKeys.GPU_ENABLED), c.get(RunKeys.PROGRESS_INTERVAL_MS), c.get(TrainKeys.EPISODES),
        variants.isEmpty() ? besideEpisodes(episodesDir) : variants, c.get(TrainKeys.EVAL_EPISODES_PER_TASK),
        c.get(TrainKeys.EVAL_PATIENCE), c.get(TrainKeys.RECIPE_GRID_STEPS), c.get(TrainKeys.RECIPE_GRID_LEARNING_RATES),
        new NanPolicy.Settings(c.get(TrainKeys.NAN_MAX_CONSECUTIVE_SKIPS), c.get(TrainKeys.NAN_RATE_FACTOR)),
        c.get(TrainKeys.SUPPORT_SIZES));
  }

  /** {@code variants} beside an episodes folder: where ingest writes it. */
  static String besideEpisodes(String episodesDir) {
    String e = stripSlash(episodesDir);
    int slash = e.lastIndexOf('/');
    return slash < 0 ? "variants" : e.substring(0, slash + 1) + "variants";
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
  }

  /** The inner loop, with the HVP step resolved for the model's precision. */
  public InnerLoop innerLoop(boolean float64) {
    double step = hvpRelativeStep > 0 ? hvpRelativeStep
        : float64 ? FiniteDifferenceHvp.DEFAULT_STEP_FLOAT64 : FiniteDifferenceHvp.DEFAULT_STEP_FLOAT32;
    return new InnerLoop(innerSteps, innerLearningRate, learnedRates, step, hvpCentral);
  }

  public TrainSettings withOuterSteps(int steps) {
    return new TrainSettings(algorithm, steps, metaBatchTasks, innerSteps, innerLearningRate, learnedRates,
        anilSecondOrder, reptileIncludeQuery, cfHeadRankWeight, hvpRelativeStep, hvpCentral, optimizer, outerLearningRate, beta1, beta2, adamEpsilon, clipNorm,
        partitions, aggregationDepth, evalEverySteps, evalMaxTasks, checkpointEverySteps, checkpointKeep, episodesDir,
        proteinsDir, outputDir, seed, gpuEnabled, progressIntervalMs, episodes, variantsDir, evalEpisodesPerTask,
        evalPatience, gridSteps, gridRates, nan, supportSizes);
  }

  /** The learner's switches that only some algorithms read. */
  public Method.LearnerOptions learnerOptions() {
    return new Method.LearnerOptions(anilSecondOrder, reptileIncludeQuery, cfHeadRankWeight);
  }

  /**
   * These settings for another run: another algorithm (learned rates off), step budget and output folder, with one
   * checkpoint at the end (what the evaluate job and benchmarks run). Meta-val selection ({@code eval.*} and the recipe
   * grid) is kept when {@code selectOnMetaVal}, else off (evaluating on meta-val itself, or a benchmark). Fresh
   * episodes read the variants table beside the given episodes folder, unless it is this run's.
   */
  public TrainSettings forRun(String otherAlgorithm, int steps, String episodes, String proteins, String output,
                              boolean selectOnMetaVal) {
    return new TrainSettings(otherAlgorithm, steps, metaBatchTasks, innerSteps, innerLearningRate, false,
        anilSecondOrder, reptileIncludeQuery, cfHeadRankWeight, hvpRelativeStep, hvpCentral, optimizer, outerLearningRate, beta1, beta2,
        adamEpsilon, clipNorm, partitions, aggregationDepth, selectOnMetaVal ? evalEverySteps : 0, evalMaxTasks, 0, 1,
        episodes, proteins, output, seed, gpuEnabled, progressIntervalMs, this.episodes,
        episodes.equals(episodesDir) ? variantsDir : besideEpisodes(episodes), evalEpisodesPerTask,
        selectOnMetaVal ? evalPatience : 0, selectOnMetaVal ? gridSteps : List.of(),
        selectOnMetaVal ? gridRates : List.of(), nan, supportSizes);
  }

  public TrainSettings withPartitions(int p) {
    return new TrainSettings(algorithm, outerSteps, metaBatchTasks, innerSteps, innerLearningRate, learnedRates,
        anilSecondOrder, reptileIncludeQuery, cfHeadRankWeight, hvpRelativeStep, hvpCentral, optimizer, outerLearningRate, beta1, beta2, adamEpsilon, clipNorm,
        p, aggregationDepth, evalEverySteps, evalMaxTasks, checkpointEverySteps, checkpointKeep, episodesDir,
        proteinsDir, outputDir, seed, gpuEnabled, progressIntervalMs, episodes, variantsDir, evalEpisodesPerTask,
        evalPatience, gridSteps, gridRates, nan, supportSizes);
  }

  /** These settings with {@code fresh} or {@code fixed} episodes. */
  public TrainSettings withEpisodes(String mode) {
    return new TrainSettings(algorithm, outerSteps, metaBatchTasks, innerSteps, innerLearningRate, learnedRates,
        anilSecondOrder, reptileIncludeQuery, cfHeadRankWeight, hvpRelativeStep, hvpCentral, optimizer, outerLearningRate, beta1, beta2, adamEpsilon, clipNorm,
        partitions, aggregationDepth, evalEverySteps, evalMaxTasks, checkpointEverySteps, checkpointKeep, episodesDir,
        proteinsDir, outputDir, seed, gpuEnabled, progressIntervalMs, mode, variantsDir, evalEpisodesPerTask,
        evalPatience, gridSteps, gridRates, nan, supportSizes);
  }
}
