package org.metamut.lib.metrics;

import java.util.Locale;

/**
 * The prediction metrics of the evaluation report, with the facts a summary needs about each: its key in
 * CSV/JSON files, whether higher is better, and whether an undefined value (NaN: constant predictions)
 * counts as 0 when averaged (correlations: no ranking information is worth 0) or is left out (R²: the
 * query set itself was constant, which is the same for every method). The calibration metrics
 * ({@link #COVERAGE80}, {@link #NLL}) are present only for methods with a predictive uncertainty; for coverage
 * neither direction is "better" (the target is 0.8), its {@code higherIsBetter} only orients relative changes.
 */
public enum Metric {
  SPEARMAN(true, true),
  PEARSON(true, true),
  RMSE(false, false),
  R2(true, false),
  ACCURACY(true, false),
  /** Fraction of query values inside the central 80 % predictive interval ({@link Calibration}); 0.8 is right. */
  COVERAGE80(true, false),
  /** Mean Gaussian negative log-likelihood of the query values under the predictive distribution ({@link Calibration}). */
  NLL(false, false);

  private final boolean higherIsBetter;
  private final boolean undefinedAsZero;

  Metric(boolean higherIsBetter, boolean undefinedAsZero) {
    this.higherIsBetter = higherIsBetter;
    this.undefinedAsZero = undefinedAsZero;
  }

  /** Lower-case key used in files, e.g. {@code spearman}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean higherIsBetter() {
    return higherIsBetter;
  }

  /** True when a NaN value of this metric is averaged as 0; false when it is left out of averages. */
  public boolean undefinedAsZero() {
    return undefinedAsZero;
  }

  /** The metric whose {@link #key()} is {@code key}; the error lists the known keys. */
  public static Metric ofKey(String key) {
    for (Metric m : values()) {
      if (m.key().equals(key)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown metric '" + key + "'; known: spearman, pearson, rmse, r2, accuracy, coverage80, nll");
  }
}
