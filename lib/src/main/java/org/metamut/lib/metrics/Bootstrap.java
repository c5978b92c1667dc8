package org.metamut.lib.metrics;

import java.util.Arrays;
import org.apache.commons.math3.random.MersenneTwister;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.descriptive.rank.Percentile.EstimationType;

/**
 * Seeded percentile bootstrap.
 *
 * <p><b>Two-level scheme</b> ({@link #hierarchical}) for results that are seeds nested in tasks: a replicate
 * draws T tasks with replacement out of the T tasks, and within each drawn task draws its S_t seeds with
 * replacement; the drawn (task, seed) cells get weight {@code 1/T · 1/S_t} per draw, so the weights of a
 * replicate sum to 1, and the point estimate uses every cell once with that weight (the mean over tasks of
 * the mean over seeds). With one task this is a bootstrap over seeds, with one seed per task a bootstrap
 * over tasks.
 *
 * <p><b>Grouped tasks</b> ({@link #grouped}): when tasks are not independent (several assays of one protein), the
 * top level draws G <i>groups</i> with replacement out of the G groups; a drawn group brings every one of its tasks
 * (each weighted {@code 1/T}, its seeds drawn with replacement as above). The point estimate is unchanged (mean over
 * tasks of the mean over seeds); with every task its own group this is exactly {@link #hierarchical}, draw for
 * draw. Statistics are functions of those weights, so several methods evaluated on the same cells
 * are resampled <i>paired</i> (same draws) by one statistic.
 *
 * <p><b>Percentiles</b>: commons-math3 {@code Percentile} with estimation type R-7 (linear interpolation
 * between order statistics, as numpy's default {@code percentile}); non-finite replicates are dropped and
 * counted in {@link Interval#valid()}.
 *
 * <p><b>Randomness</b>: a {@code MersenneTwister} seeded with {@code seed}; draws are taken in the order
 * replicate → task draws → seed draws of each drawn task, so the same inputs and seed give the same
 * interval on every JVM.
 */
public final class Bootstrap {

  /** A statistic of weighted cells: {@code w[t][s]} is the weight of seed s of task t in this replicate. */
  @FunctionalInterface
  public interface WeightedStatistic {
    double apply(double[][] w);
  }

  public static final int DEFAULT_RESAMPLES = 2000;
  public static final double DEFAULT_LEVEL = 0.95;

  private final int resamples;
  private final double level;
  private final long seed;

  public Bootstrap(int resamples, double level, long seed) {
    if (resamples < 1) {
      throw new IllegalArgumentException("bootstrap resamples must be >= 1, got " + resamples);
    }
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException("bootstrap level must be in (0, 1), got " + level);
    }
    this.resamples = resamples;
    this.level = level;
    this.seed = seed;
  }

  public int resamples() {
    return resamples;
  }

  public double level() {
    return level;
  }

  public long seed() {
    return seed;
  }

  /** Interval for the plain mean of independent values (one level). */
  public Interval mean(double[] values) {
    int[] ones = new int[values.length];
    Arrays.fill(ones, 1);
    double[][] cells = new double[values.length][];
    for (int i = 0; i < values.length; i++) {
      cells[i] = new double[] {values[i]};
    }
    return hierarchical(ones, weightedMean(cells));
  }

  /**
   * Interval of {@code statistic} under the two-level scheme; {@code seedsPerTask[t]} is the number of
   * seed cells of task t (each >= 1).
   */
  public Interval hierarchical(int[] seedsPerTask, WeightedStatistic statistic) {
    int[] own = new int[seedsPerTask.length];
    for (int t = 0; t < own.length; t++) {
      own[t] = t;
    }
    return grouped(own, seedsPerTask, statistic);
  }

  /**
   * Interval of {@code statistic} when tasks come in groups: {@code groupOfTask[t]} in {@code 0..G-1} (every group
   * used) is task t's resampling unit; {@code seedsPerTask[t]} its number of seed cells (each >= 1).
   */
  public Interval grouped(int[] groupOfTask, int[] seedsPerTask, WeightedStatistic statistic) {
    int tasks = seedsPerTask.length;
    if (tasks == 0) {
      throw new IllegalArgumentException("bootstrap needs at least one task");
    }
    int[][] members = members(groupOfTask, tasks);
    int groups = members.length;
    double[][] w = new double[tasks][];
    for (int t = 0; t < tasks; t++) {
      if (seedsPerTask[t] < 1) {
        throw new IllegalArgumentException("bootstrap: task " + t + " has " + seedsPerTask[t] + " seeds, need >= 1");
      }
      w[t] = new double[seedsPerTask[t]];
      Arrays.fill(w[t], 1.0 / tasks / seedsPerTask[t]);
    }
    double estimate = statistic.apply(w);

    MersenneTwister rng = new MersenneTwister(seed);
    double[] replicates = new double[resamples];
    int valid = 0;
    for (int b = 0; b < resamples; b++) {
      for (double[] row : w) {
        Arrays.fill(row, 0);
      }
      for (int draw = 0; draw < groups; draw++) {
        for (int t : members[rng.nextInt(groups)]) {
          int seeds = seedsPerTask[t];
          for (int j = 0; j < seeds; j++) {
            w[t][rng.nextInt(seeds)] += 1.0 / tasks / seeds;
          }
        }
      }
      double v = statistic.apply(w);
      if (Double.isFinite(v)) {
        replicates[valid++] = v;
      }
    }
    if (valid == 0) {
      return new Interval(estimate, Double.NaN, Double.NaN, level, resamples, 0);
    }
    double[] ok = Arrays.copyOf(replicates, valid);
    Percentile pct = new Percentile().withEstimationType(EstimationType.R_7);
    double lower = pct.evaluate(ok, 100 * (1 - level) / 2);
    double upper = pct.evaluate(ok, 100 * (1 + level) / 2);
    return new Interval(estimate, lower, upper, level, resamples, valid);
  }

  /** The tasks of each group, in task order; every group 0..G-1 must have one. */
  private static int[][] members(int[] groupOfTask, int tasks) {
    if (groupOfTask.length != tasks) {
      throw new IllegalArgumentException("bootstrap: " + groupOfTask.length + " group labels for " + tasks + " tasks");
    }
    int groups = 0;
    for (int g : groupOfTask) {
      if (g < 0) {
        throw new IllegalArgumentException("bootstrap: negative group label " + g);
      }
      groups = Math.max(groups, g + 1);
    }
    int[] sizes = new int[groups];
    for (int g : groupOfTask) {
      sizes[g]++;
    }
    int[][] out = new int[groups][];
    for (int g = 0; g < groups; g++) {
      if (sizes[g] == 0) {
        throw new IllegalArgumentException("bootstrap: group " + g + " has no task (labels must be 0.." + (groups - 1) + ")");
      }
      out[g] = new int[sizes[g]];
      sizes[g] = 0;
    }
    for (int t = 0; t < tasks; t++) {
      out[groupOfTask[t]][sizes[groupOfTask[t]]++] = t;
    }
    return out;
  }

  /** The weighted mean {@code Σ w[t][s]·v[t][s] / Σ w[t][s]} of cell values. */
  public static WeightedStatistic weightedMean(double[][] values) {
    return w -> weightedMean(values, w);
  }

  /**
   * Relative change {@code (mean(a) − mean(b)) / |mean(b)|} of two methods on the same cells, paired; NaN
   * (dropped from the percentiles) when {@code mean(b)} is 0.
   */
  public static WeightedStatistic relativeChange(double[][] a, double[][] b) {
    return w -> {
      double mb = weightedMean(b, w);
      return mb == 0 ? Double.NaN : (weightedMean(a, w) - mb) / Math.abs(mb);
    };
  }

  static double weightedMean(double[][] v, double[][] w) {
    if (v.length != w.length) {
      throw new IllegalArgumentException("bootstrap: " + v.length + " tasks of values but " + w.length + " of weights");
    }
    double sum = 0;
    double wsum = 0;
    for (int t = 0; t < v.length; t++) {
      if (v[t].length != w[t].length) {
        throw new IllegalArgumentException("bootstrap: task " + t + " has " + v[t].length + " values but " + w[t].length + " weights");
      }
      for (int s = 0; s < v[t].length; s++) {
        sum += w[t][s] * v[t][s];
        wsum += w[t][s];
      }
    }
    return sum / wsum;
  }
}
