package org.metamut.jobs.config;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.doubleKey;
import static org.metamut.jobs.config.ConfigKey.intKey;

/** Keys of the active-learning benchmark ({@code metamut evaluate --active-learning}, src/docs/evaluate.md). */
public final class ActiveLearningKeys {
  private ActiveLearningKeys() {
  }

  public static final ConfigKey<Integer> START = intKey("metamut.evaluate.active-learning.start",
      "labelled variants each campaign starts from, the same random ones for every strategy (2..10000)", 2, 10_000);

  public static final ConfigKey<Integer> ROUNDS = intKey("metamut.evaluate.active-learning.rounds",
      "rounds of picks per campaign (1..1000)", 1, 1000);

  public static final ConfigKey<Integer> BATCH = intKey("metamut.evaluate.active-learning.batch",
      "variants picked (and their held-out labels revealed) per round (1..10000)", 1, 10_000);

  public static final ConfigKey<Double> BETA = doubleKey("metamut.evaluate.active-learning.beta",
      "UCB weight of the predictive SD of the cf-head/ucb strategy, mean + beta * sd (0..100)", 0, 100);

  public static final ConfigKey<Integer> PER_SITE = intKey("metamut.evaluate.active-learning.per-site",
      "most picks sharing a site in one round, for UCB and greedy picks (1..10000)", 1, 10_000);

  public static final ConfigKey<String> OUTPUT_DIR = ConfigKey.stringKey("metamut.evaluate.active-learning.output-dir",
      "folder of the benchmark's report (empty = <run.output-dir>/active-learning)", true);

  static List<ConfigKey<?>> all() {
    return List.of(START, ROUNDS, BATCH, BETA, PER_SITE, OUTPUT_DIR);
  }
}
