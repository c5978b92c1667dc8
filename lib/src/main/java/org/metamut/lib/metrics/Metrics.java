package org.metamut.lib.metrics;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Prediction metrics of one task (observed {@code y} versus predicted {@code p}, same order).
 *
 * <ul>
 *   <li>Spearman ρ: Pearson correlation of the ranks, ties given the <b>average</b> of the ranks they span
 *       (e.g. values 10, 20, 20, 30 rank 1, 2.5, 2.5, 4).
 *   <li>Pearson r: {@code Σ(y−ȳ)(p−p̄) / √(Σ(y−ȳ)² Σ(p−p̄)²)}. Both correlations are NaN when either input is
 *       constant.
 *   <li>RMSE: {@code √(Σ(y−p)²/n)}.
 *   <li>R²: {@code 1 − Σ(y−p)²/Σ(y−ȳ)²} (coefficient of determination of the predictions as given, no
 *       refit; can be negative); NaN when {@code y} is constant.
 *   <li>Accuracy: fraction of class labels predicted exactly.
 * </ul>
 */
public final class Metrics {

  private static final NaturalRanking AVERAGE_RANKS = new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE);

  private Metrics() {}

  /** Ranks 1..n with ties given their average rank. */
  public static double[] averageRanks(double[] x) {
    checkFinite("ranks", "x", x);
    return AVERAGE_RANKS.rank(x);
  }

  public static double spearman(double[] y, double[] p) {
    checkPair("spearman", y, p, 2);
    return correlation(averageRanks(y), averageRanks(p));
  }

  public static double pearson(double[] y, double[] p) {
    checkPair("pearson", y, p, 2);
    return correlation(y, p);
  }

  public static double rmse(double[] y, double[] p) {
    checkPair("rmse", y, p, 1);
    double ss = 0;
    for (int i = 0; i < y.length; i++) {
      double d = y[i] - p[i];
      ss += d * d;
    }
    return Math.sqrt(ss / y.length);
  }

  public static double r2(double[] y, double[] p) {
    checkPair("r2", y, p, 1);
    double mean = 0;
    for (double v : y) {
      mean += v;
    }
    mean /= y.length;
    double ssRes = 0;
    double ssTot = 0;
    for (int i = 0; i < y.length; i++) {
      ssRes += (y[i] - p[i]) * (y[i] - p[i]);
      ssTot += (y[i] - mean) * (y[i] - mean);
    }
    return ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot;
  }

  public static double accuracy(int[] y, int[] p) {
    if (y.length != p.length) {
      throw new IllegalArgumentException("accuracy: observed has " + y.length + " labels, predicted " + p.length);
    }
    if (y.length == 0) {
      throw new IllegalArgumentException("accuracy: no labels");
    }
    int hit = 0;
    for (int i = 0; i < y.length; i++) {
      if (y[i] == p[i]) {
        hit++;
      }
    }
    return (double) hit / y.length;
  }

  /**
   * Maps regression outputs to the nearest of the given ordinal class codes (e.g. −1, 0, 1 for decreased,
   * unchanged, increased solubility); a tie goes to the smaller code. Take the codes from the support set.
   */
  public static int[] nearestClass(double[] scores, int[] codes) {
    if (codes.length == 0) {
      throw new IllegalArgumentException("nearestClass: no class codes");
    }
    int[] sorted = java.util.Arrays.stream(codes).distinct().sorted().toArray();
    int[] out = new int[scores.length];
    for (int i = 0; i < scores.length; i++) {
      int best = sorted[0];
      for (int c : sorted) {
        if (Math.abs(scores[i] - c) < Math.abs(scores[i] - best)) {
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /** Spearman, Pearson, RMSE and R² of one regression task, in {@link Metric} order. */
  public static Map<Metric, Double> regression(double[] y, double[] p) {
    EnumMap<Metric, Double> m = new EnumMap<>(Metric.class);
    m.put(Metric.SPEARMAN, spearman(y, p));
    m.put(Metric.PEARSON, pearson(y, p));
    m.put(Metric.RMSE, rmse(y, p));
    m.put(Metric.R2, r2(y, p));
    return Collections.unmodifiableMap(m);
  }

  private static double correlation(double[] a, double[] b) {
    if (isConstant(a) || isConstant(b)) {
      return Double.NaN;
    }
    return new PearsonsCorrelation().correlation(a, b);
  }

  private static boolean isConstant(double[] a) {
    for (double v : a) {
      if (v != a[0]) {
        return false;
      }
    }
    return true;
  }

  private static void checkPair(String metric, double[] y, double[] p, int minN) {
    if (y.length != p.length) {
      throw new IllegalArgumentException(metric + ": observed has " + y.length + " values, predicted " + p.length);
    }
    if (y.length < minN) {
      throw new IllegalArgumentException(metric + " needs at least " + minN + " values, got " + y.length);
    }
    checkFinite(metric, "observed", y);
    checkFinite(metric, "predicted", p);
  }

  private static void checkFinite(String metric, String what, double[] x) {
    for (int i = 0; i < x.length; i++) {
      if (!Double.isFinite(x[i])) {
        throw new IllegalArgumentException(metric + ": " + what + " value at index " + i + " is " + x[i]);
      }
    }
  }
}
