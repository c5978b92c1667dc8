package org.metamut.jobs.config;

import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;

import java.util.List;
import java.util.Map;

import static org.metamut.jobs.config.ConfigKey.doubleKey;
import static org.metamut.jobs.config.ConfigKey.enumKey;
import static org.metamut.jobs.config.ConfigKey.enumListKey;
import static org.metamut.jobs.config.ConfigKey.intKey;
import static org.metamut.jobs.config.ConfigKey.intListKey;
import static org.metamut.jobs.config.ConfigKey.positiveDoubleKey;
import static org.metamut.jobs.config.ConfigKey.stringKey;

/** Keys of {@code metamut evaluate} (src/docs/evaluate.md): held-out tasks, shot sizes, methods, adaptation, report. */
public final class EvalKeys {
  private EvalKeys() {
  }


  public static final ConfigKey<String> SPLIT = enumKey("metamut.evaluate.split",
      "which tasks to evaluate on: meta-test (the held-out tasks) or meta-val (to choose adaptation settings "
          + "without touching the held-out tasks)", "meta-test", "meta-val");

  public static final ConfigKey<List<Integer>> SHOTS = intListKey("metamut.evaluate.shots",
      "shot sizes k: labelled support variants per run (each >= 1)", 1, 100_000, false);

  public static final ConfigKey<Integer> SEEDS = intKey("metamut.evaluate.seeds",
      "seeds per (task, k): seed i draws support/query sets with run.seed + i (>= 1)", 1, 1000);

  public static final ConfigKey<Integer> MAX_TASKS = intKey("metamut.evaluate.max-tasks",
      "evaluate at most this many tasks of the split, taken round-robin over families in task order (0 = all)",
      0, 1_000_000);

  public static final ConfigKey<Integer> MAX_QUERY = intKey("metamut.evaluate.max-query",
      "query variants per run: the task's variants outside the support set, capped at this many (>= 1)", 1, 10_000_000);

  public static final ConfigKey<Integer> MIN_QUERY = intKey("metamut.evaluate.min-query",
      "a (task, k) pair runs only if the task has at least k + min-query variants (>= 2)", 2, 1_000_000);

  public static final ConfigKey<Integer> POOL_SIZE = intKey("metamut.evaluate.pool-size",
      "variants read per task (a deterministic hash sample when the task is larger; >= 4)", 4, 100_000_000);

  public static final ConfigKey<List<String>> METHODS_KEY = enumListKey("metamut.evaluate.methods",
      "methods compared, names of the method registry: " + Methods.describe(MethodKind.values()),
      false, Methods.names().toArray(String[]::new));

  /**
   * Model folders (or model files) of meta-learners, by registry name; a meta-learner without one (or with "") is
   * meta-trained by this job. A map, so a newly registered meta-learner needs no key of its own.
   */
  public static final ConfigKey<Map<String, String>> MODELS = ConfigKey.stringMapKey("metamut.evaluate.models",
      "model folder (a meta-train job's model/, with model.mmut or params.json) or model file per meta-learner, e.g. "
          + "models { maml = \"out/meta-train/model\" }, or several comma-separated (a deep ensemble: mean prediction, "
          + "mixture SD); a meta-learner without one is meta-trained by this job",
      name -> Methods.names(MethodKind.META_LEARNER).contains(name), "meta-learner names ("
          + String.join(", ", Methods.names(MethodKind.META_LEARNER)) + ")");

  public static final ConfigKey<List<String>> ABLATION_ENCODERS = enumListKey("metamut.evaluate.ablation.encoders",
      "encoding ablation: the ablation method is also meta-trained and evaluated with each of these encoders "
          + "(reported as <method>/<encoder>); empty = no ablation", true, "separator", "mutant-only", "wt-mask");

  public static final ConfigKey<String> ABLATION_METHOD = enumKey("metamut.evaluate.ablation.method",
      "the method retrained with each ablation encoder (a neural method of the registry)",
      Methods.names(MethodKind.META_LEARNER, MethodKind.FINE_TUNE, MethodKind.SCRATCH).toArray(String[]::new));

  public static final ConfigKey<Integer> TRAIN_OUTER_STEPS = intKey("metamut.evaluate.train.outer-steps",
      "outer steps of the meta-training this job runs per method, and Adam steps of the joint pre-training of the "
          + "fine-tuning baseline (0 = metamut.train.outer-steps)", 0, Integer.MAX_VALUE);

  public static final ConfigKey<Double> PRETRAIN_LEARNING_RATE = positiveDoubleKey(
      "metamut.evaluate.pretrain.learning-rate",
      "Adam learning rate of the fine-tuning baseline's joint pre-training on all meta-train tasks (> 0)", 10);

  public static final ConfigKey<String> REFERENCE_METHOD = stringKey("metamut.evaluate.reference-method",
      "relative improvements are stated against this method (empty = no improvement table)", true);

  public static final ConfigKey<Integer> BOOTSTRAP_RESAMPLES = intKey("metamut.evaluate.bootstrap.resamples",
      "bootstrap replicates per confidence interval (>= 1)", 1, 10_000_000);

  public static final ConfigKey<Double> BOOTSTRAP_LEVEL = doubleKey("metamut.evaluate.bootstrap.level",
      "confidence level of the intervals, in [0.5, 0.999]", 0.5, 0.999);

  public static final ConfigKey<Integer> PARTITIONS = intKey("metamut.evaluate.partitions",
      "Spark partitions of the evaluation runs (0 = spark.default.parallelism)", 0, 100_000);

  public static final ConfigKey<String> OUTPUT_DIR = stringKey("metamut.evaluate.output-dir",
      "report folder (empty = <run.output-dir>/evaluate)", true);

  public static final ConfigKey<String> DATA_DIR = stringKey("metamut.evaluate.data-dir",
      "folder holding the ingest job's episodes/, proteins/ and variants/ (empty = run.output-dir)", true);

  public static List<ConfigKey<?>> all() {
    List<ConfigKey<?>> all = new java.util.ArrayList<>(List.of(SPLIT, SHOTS, SEEDS, MAX_TASKS, MAX_QUERY, MIN_QUERY,
        POOL_SIZE, METHODS_KEY, ABLATION_ENCODERS, ABLATION_METHOD, TRAIN_OUTER_STEPS, PRETRAIN_LEARNING_RATE,
        REFERENCE_METHOD, MODELS, BOOTSTRAP_RESAMPLES, BOOTSTRAP_LEVEL, PARTITIONS, OUTPUT_DIR, DATA_DIR));
    return List.copyOf(all);
  }
}
