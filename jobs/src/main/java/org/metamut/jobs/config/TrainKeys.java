package org.metamut.jobs.config;

import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.boolKey;
import static org.metamut.jobs.config.ConfigKey.doubleKey;
import static org.metamut.jobs.config.ConfigKey.enumKey;
import static org.metamut.jobs.config.ConfigKey.intKey;
import static org.metamut.jobs.config.ConfigKey.intListKey;
import static org.metamut.jobs.config.ConfigKey.positiveDoubleKey;
import static org.metamut.jobs.config.ConfigKey.positiveDoubleListKey;
import static org.metamut.jobs.config.ConfigKey.stringKey;

/** Keys of {@code metamut meta-train}: the meta-learning algorithm, its loops, evaluation, checkpoints, GPUs. */
public final class TrainKeys {
  private TrainKeys() {
  }

  public static final ConfigKey<String> ALGORITHM = enumKey("metamut.train.algorithm",
      "meta-learning algorithm, a meta-learner of the method registry: " + Methods.describe(MethodKind.META_LEARNER),
      Methods.names(MethodKind.META_LEARNER).toArray(String[]::new));

  public static final ConfigKey<Integer> OUTER_STEPS = intKey("metamut.train.outer-steps",
      "number of outer (meta) steps to train (>= 1)", 1, Integer.MAX_VALUE);

  public static final ConfigKey<Integer> META_BATCH_TASKS = intKey("metamut.train.meta-batch-tasks",
      "tasks (episodes) per outer step (>= 1)", 1, 1_000_000);

  public static final ConfigKey<Integer> INNER_STEPS = intKey("metamut.train.inner.steps",
      "SGD steps on each task's support set (>= 1)", 1, 1000);

  public static final ConfigKey<Double> INNER_LEARNING_RATE = positiveDoubleKey("metamut.train.inner.learning-rate",
      "inner-loop SGD learning rate α (> 0; the initial value of every rate when learned)", 1e3);

  public static final ConfigKey<Boolean> INNER_LEARNED_RATES = boolKey("metamut.train.inner.learned-rates",
      "Meta-SGD: learn one inner learning rate per parameter together with θ (meta-learners that support it: "
          + String.join(", ", Methods.all().values().stream().filter(m -> m.learnedRates()).map(m -> m.name()).toList()) + ")");

  public static final ConfigKey<Boolean> ANIL_SECOND_ORDER = boolKey("metamut.train.anil.second-order",
      "ANIL: include the second-order terms (Hessian-vector products) in the outer gradient");

  public static final ConfigKey<Boolean> REPTILE_INCLUDE_QUERY = boolKey("metamut.train.reptile.include-query",
      "Reptile: inner steps on support and query examples together (false: the support set only)");

  public static final ConfigKey<Double> CF_HEAD_RANK_WEIGHT = doubleKey("metamut.train.cf-head.rank-weight",
      "cf-head: weight of a pairwise ranking loss (RankNet on the query pairs) added to the query MSE that meta-training "
          + "minimises (0 = the MSE alone)", 0.0, 1000.0);

  public static final ConfigKey<Double> HVP_RELATIVE_STEP = doubleKey("metamut.train.hvp.relative-step",
      "finite-difference step of Hessian-vector products, relative to max(|θ|,1)/|u|; 0 = by model precision "
          + "(1e-6 for float64, 5e-5 for float32)", 0, 0.1);

  public static final ConfigKey<Boolean> HVP_CENTRAL = boolKey("metamut.train.hvp.central",
      "central differences for Hessian-vector products (2 gradient calls, O(ε²)); false = forward (1 call, O(ε))");

  public static final ConfigKey<String> OUTER_OPTIMIZER = enumKey("metamut.train.outer.optimizer",
      "outer optimiser applied on the driver: adam, or sgd (with reptile: the classic Reptile step)", "adam", "sgd");

  public static final ConfigKey<Double> OUTER_LEARNING_RATE = positiveDoubleKey("metamut.train.outer.learning-rate",
      "outer (meta) learning rate (> 0)", 1e3);

  public static final ConfigKey<Double> ADAM_BETA1 = doubleKey("metamut.train.outer.adam.beta1",
      "Adam first-moment decay, in [0, 0.9999]", 0, 0.9999);

  public static final ConfigKey<Double> ADAM_BETA2 = doubleKey("metamut.train.outer.adam.beta2",
      "Adam second-moment decay, in [0, 0.99999]", 0, 0.99999);

  public static final ConfigKey<Double> ADAM_EPSILON = positiveDoubleKey("metamut.train.outer.adam.epsilon",
      "Adam epsilon (> 0)", 1);

  public static final ConfigKey<Double> CLIP_NORM = doubleKey("metamut.train.outer.clip-norm",
      "clip the mean meta-gradient to this global L2 norm (0 = no clipping)", 0, Double.MAX_VALUE);

  public static final ConfigKey<Integer> NAN_MAX_CONSECUTIVE_SKIPS = intKey(
      "metamut.train.outer.nan.max-consecutive-skips",
      "non-finite outer steps skipped in a row before the run fails (0 = fail on the first), 0..1000", 0, 1000);

  public static final ConfigKey<Double> NAN_RATE_FACTOR = doubleKey("metamut.train.outer.nan.rate-factor",
      "the outer learning rate is multiplied by this after each skipped non-finite step, in [1e-6, 1]", 1e-6, 1);

  public static final ConfigKey<Integer> PARTITIONS = intKey("metamut.train.partitions",
      "Spark partitions per outer step (0 = spark.default.parallelism, capped at the meta-batch size)", 0, 100_000);

  public static final ConfigKey<Integer> AGGREGATION_DEPTH = intKey("metamut.train.aggregation-depth",
      "depth of the tree that merges the partitions' meta-gradients, as Spark's treeAggregate reads it: "
          + "with few partitions there is no intermediate level and the driver merges them all (>= 1)", 1, 10);

  public static final ConfigKey<Integer> EVAL_EVERY_STEPS = intKey("metamut.train.eval.every-steps",
      "evaluate on meta-val tasks every N outer steps and at the end (0 = never)", 0, Integer.MAX_VALUE);

  public static final ConfigKey<Integer> EVAL_MAX_TASKS = intKey("metamut.train.eval.max-tasks",
      "at most this many meta-val tasks per evaluation (the first by task id, the same each time, >= 1; the default "
          + "covers every meta-val task of the ingest split)", 1, 1_000_000);

  public static final ConfigKey<Integer> EVAL_EPISODES_PER_TASK = intKey("metamut.train.eval.episodes-per-task",
      "fixed meta-val episodes scored per meta-val task in each evaluation (>= 1)", 1, 1000);

  public static final ConfigKey<Integer> EVAL_PATIENCE = intKey("metamut.train.eval.patience",
      "early stopping: stop after this many evaluations in a row without a better meta-val Spearman (0 = never)",
      0, 1_000_000);

  public static final ConfigKey<String> EPISODES = enumKey("metamut.train.episodes",
      "meta-train episodes: fresh (a new support/query sample per step and task from all of the task's variants, "
          + "read from the variants table) or fixed (cycle over the ingest job's Parquet episodes)", "fresh", "fixed");

  public static final ConfigKey<String> VARIANTS_DIR = stringKey("metamut.train.variants-dir",
      "variants Parquet folder, for fresh episodes (empty = the folder 'variants' beside the episodes folder)", true);

  public static final ConfigKey<List<Integer>> RECIPE_GRID_STEPS = intListKey("metamut.train.recipe-grid.steps",
      "inner-loop steps tried on meta-val at the selected step, with every rate of recipe-grid.learning-rates; the "
          + "best becomes the model's recipe (empty = keep the learner's own recipe)", 0, 1000, true);

  public static final ConfigKey<List<Integer>> SUPPORT_SIZES = intListKey("metamut.train.support-sizes",
      "fresh episodes: support sizes drawn from uniformly per (step, task), e.g. [8, 16, 32, 64] to meta-train for every "
          + "k users adapt with (1..100000; capped per task at its variants minus the query size; empty = the task's "
          + "meta-train episodes' support size, metamut.episodes.support-size)", 1, 100_000, true);

  public static final ConfigKey<List<Double>> RECIPE_GRID_LEARNING_RATES = positiveDoubleListKey(
      "metamut.train.recipe-grid.learning-rates",
      "inner-loop rates tried on meta-val with every recipe-grid.steps value (> 0; ignored with learned rates, "
          + "Meta-SGD keeps its own; empty = the learner's own rate)", 1e3, true);

  public static final ConfigKey<Integer> CHECKPOINT_EVERY_STEPS = intKey("metamut.train.checkpoint.every-steps",
      "write a checkpoint every N outer steps and at the end (0 = only at the end)", 0, Integer.MAX_VALUE);

  public static final ConfigKey<Integer> CHECKPOINT_KEEP = intKey("metamut.train.checkpoint.keep",
      "number of most recent checkpoints kept (>= 1)", 1, 1000);

  public static final ConfigKey<String> EPISODES_DIR = stringKey("metamut.train.episodes-dir",
      "episodes Parquet folder (empty = <metamut.run.output-dir>/episodes)", true);

  public static final ConfigKey<String> PROTEINS_DIR = stringKey("metamut.train.proteins-dir",
      "proteins Parquet folder (empty = <metamut.run.output-dir>/proteins)", true);

  public static final ConfigKey<Boolean> GPU_ENABLED = boolKey("metamut.train.gpu.enabled",
      "each task requires a GPU assigned by Spark (spark.task.resource.gpu.amount) and binds ND4J to it");

  static List<ConfigKey<?>> all() {
    return List.of(ALGORITHM, OUTER_STEPS, META_BATCH_TASKS, INNER_STEPS, INNER_LEARNING_RATE, INNER_LEARNED_RATES,
        ANIL_SECOND_ORDER, REPTILE_INCLUDE_QUERY, CF_HEAD_RANK_WEIGHT, HVP_RELATIVE_STEP, HVP_CENTRAL, OUTER_OPTIMIZER, OUTER_LEARNING_RATE, ADAM_BETA1, ADAM_BETA2,
        ADAM_EPSILON, CLIP_NORM, NAN_MAX_CONSECUTIVE_SKIPS, NAN_RATE_FACTOR, PARTITIONS, AGGREGATION_DEPTH,
        EVAL_EVERY_STEPS, EVAL_MAX_TASKS,
        CHECKPOINT_EVERY_STEPS, CHECKPOINT_KEEP, EPISODES_DIR, PROTEINS_DIR, GPU_ENABLED, EVAL_EPISODES_PER_TASK,
        EVAL_PATIENCE, EPISODES, VARIANTS_DIR, RECIPE_GRID_STEPS, RECIPE_GRID_LEARNING_RATES, SUPPORT_SIZES);
  }
}
