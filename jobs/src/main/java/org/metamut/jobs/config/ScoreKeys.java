package org.metamut.jobs.config;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.doubleKey;
import static org.metamut.jobs.config.ConfigKey.intKey;
import static org.metamut.jobs.config.ConfigKey.positiveDoubleKey;

/** Keys of the score job ({@code metamut score}, {@code metamut bench score}). */
public final class ScoreKeys {
  private ScoreKeys() {
  }

  public static final ConfigKey<Integer> BATCH_SIZE = intKey("metamut.score.batch-size",
      "variants per model call on an executor (1..4096); larger amortises per-call overhead", 1, 4096);

  public static final ConfigKey<Integer> TOP_N = intKey("metamut.score.top-n",
      "rows of the top-N summary (top.csv), highest scores first (0..1000000; 0 = none)", 0, 1_000_000);

  public static final ConfigKey<Integer> PARTITIONS = intKey("metamut.score.partitions",
      "Spark partitions of the library (0 = automatic: max(default parallelism, size / variants-per-partition))",
      0, 1_000_000);

  public static final ConfigKey<Integer> VARIANTS_PER_PARTITION = intKey("metamut.score.variants-per-partition",
      "variants per partition when partitions = 0 (>= 100); smaller gives finer progress and retries", 100,
      Integer.MAX_VALUE);

  public static final ConfigKey<Integer> ADAPT_MIN_LABELLED = intKey("metamut.score.adapt.min-labelled",
      "fewest usable labelled variants to adapt on (>= 2: labels are z-scored over the labelled set)", 2,
      Integer.MAX_VALUE);

  public static final ConfigKey<Double> SUGGEST_BETA = doubleKey("metamut.score.suggest.beta",
      "weight of the predictive SD in the upper confidence bound mean + beta * sd of score --suggest (0..100; "
          + "0 = greedy by the mean; 1 = the 84th percentile of the predictive distribution)", 0, 100);

  static List<ConfigKey<?>> all() {
    return List.of(BATCH_SIZE, TOP_N, PARTITIONS, VARIANTS_PER_PARTITION, ADAPT_MIN_LABELLED, SUGGEST_BETA);
  }
}
