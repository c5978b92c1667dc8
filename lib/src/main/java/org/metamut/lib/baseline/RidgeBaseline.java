package org.metamut.lib.baseline;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.metamut.lib.head.ClosedFormHead;

/**
 * Ridge regression on a {@link Featurizer}'s features, λ chosen on the support set by closed-form
 * leave-one-out CV over a grid ({@link Ridge#fitLoo}). With {@code standardize}, each feature column is
 * divided by its support-set standard deviation (population, n in the denominator; a constant column is
 * left as is) before fitting, and query features by the same numbers. The intercept is never penalised,
 * so no target normalisation is needed; predictions are on the scale of the support values.
 *
 * <p><b>Predictive uncertainty</b>: ridge at penalty λ is the posterior mean of Bayesian linear regression with prior
 * β ~ N(0, σ²/λ·I), so the predictor's {@link Predictor#predictiveSd} is that model's posterior predictive SD at the
 * LOO-chosen λ, computed by the same code as the closed-form head ({@link ClosedFormHead}: noise σ² estimated from the
 * support residuals, intercept and weight uncertainty added). One support example: no SD.
 */
public final class RidgeBaseline implements Baseline {

  private static final long serialVersionUID = 1L;

  private final String name;
  private final Featurizer featurizer;
  private final boolean standardize;
  private final double[] grid;

  public RidgeBaseline(String name, Featurizer featurizer, boolean standardize, double[] grid) {
    if (grid.length == 0) {
      throw new IllegalArgumentException("baseline " + name + ": empty lambda grid");
    }
    for (double l : grid) {
      if (!(l > 0) || !Double.isFinite(l)) {
        throw new IllegalArgumentException("baseline " + name + ": lambda grid values must be finite and > 0, got " + l);
      }
    }
    this.name = name;
    this.featurizer = featurizer;
    this.standardize = standardize;
    this.grid = grid.clone();
  }

  /** Full mutant-sequence one-hot, unscaled (0/1 columns), default grid; {@code name} from the method registry. */
  public static RidgeBaseline oneHot(String name) {
    return new RidgeBaseline(name, new OneHotFeaturizer(), false, Ridge.DEFAULT_GRID);
  }

  /** Substitution features, standardised, default grid; {@code name} from the method registry. */
  public static RidgeBaseline substitution(String name) {
    return new RidgeBaseline(name, new SubstitutionFeaturizer(), true, Ridge.DEFAULT_GRID);
  }

  public RidgeBaseline withGrid(double... lambdas) {
    return new RidgeBaseline(name, featurizer, standardize, lambdas);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Predictor fit(List<LabelledVariant> support) {
    if (support.isEmpty()) {
      throw new IllegalArgumentException("baseline " + name + ": empty support set");
    }
    int n = support.size();
    Featurizer featurizer = this.featurizer.forSupport(support.stream().map(LabelledVariant::variant).toList());
    double[][] x = new double[n][];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = featurizer.features(support.get(i).variant());
      y[i] = support.get(i).y();
      if (x[i].length != x[0].length) {
        throw new IllegalArgumentException("baseline " + name + ": support variant " + support.get(i).variant().label()
            + " has " + x[i].length + " features, the first has " + x[0].length);
      }
    }
    double[] scale = standardize ? standardize(x) : ones(x[0].length);
    Ridge.Fit fit = Ridge.fitLoo(x, y, grid);
    return new RidgePredictor(name, featurizer, scale, fit, posterior(x, y, logPenalties(x[0].length, fit.lambda())));
  }

  /** Every column at log-penalty ln λ. */
  static double[] logPenalties(int columns, double lambda) {
    double[] lp = new double[columns];
    Arrays.fill(lp, Math.log(lambda));
    return lp;
  }

  /**
   * The Bayesian ridge posterior whose mean is the ridge fit at these penalties (on the same, already scaled, features);
   * null with one example or an infinite penalty (an intercept-only fit: nothing to estimate the noise from).
   */
  static ClosedFormHead.Fit posterior(double[][] x, double[] y, double[] logPenalty) {
    if (y.length < 2 || Arrays.stream(logPenalty).anyMatch(v -> !Double.isFinite(v))) {
      return null;
    }
    return ClosedFormHead.fit(x, y, logPenalty);
  }

  /** Divides each column by its population standard deviation (1 for a constant column); returns the divisors. */
  static double[] standardize(double[][] x) {
    int n = x.length;
    int p = x[0].length;
    double[] scale = ones(p);
    for (int j = 0; j < p; j++) {
      double mean = 0;
      for (double[] r : x) {
        mean += r[j] / n;
      }
      double ss = 0;
      for (double[] r : x) {
        ss += (r[j] - mean) * (r[j] - mean);
      }
      double sd = Math.sqrt(ss / n);
      scale[j] = sd > 0 ? sd : 1;
    }
    for (double[] r : x) {
      for (int j = 0; j < p; j++) {
        r[j] /= scale[j];
      }
    }
    return scale;
  }

  private static double[] ones(int p) {
    double[] o = new double[p];
    Arrays.fill(o, 1);
    return o;
  }

  @Override
  public String toString() {
    return name + "[features=" + featurizer.name() + ", standardize=" + standardize + ", lambdas=" + grid.length
        + " from " + grid[0] + " to " + grid[grid.length - 1] + ", selection=LOO]";
  }

  private record RidgePredictor(String name, Featurizer featurizer, double[] scale, Ridge.Fit fit,
      ClosedFormHead.Fit posterior) implements Predictor {

    @Override
    public double predict(Variant variant) {
      return fit.predict(scaled(variant));
    }

    @Override
    public double[] predictiveSd(List<Variant> variants) {
      if (posterior == null) {
        return null;
      }
      double[][] xq = new double[variants.size()][];
      for (int i = 0; i < xq.length; i++) {
        xq[i] = scaled(variants.get(i));
      }
      return posterior.sd(xq);
    }

    private double[] scaled(Variant variant) {
      double[] x = featurizer.features(variant);
      if (x.length != scale.length) {
        throw new IllegalArgumentException("baseline " + name + ": variant " + variant.label() + " has " + x.length
            + " features, the model was fitted on " + scale.length + " (another wild type?)");
      }
      for (int j = 0; j < x.length; j++) {
        x[j] /= scale[j];
      }
      return x;
    }

    @Override
    public Map<String, String> describe() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("lambda", Double.toString(fit.lambda()));
      double best = Double.NaN;
      for (int g = 0; g < fit.grid().length; g++) {
        if (fit.grid()[g] == fit.lambda()) {
          best = fit.looMse()[g];
        }
      }
      m.put("loo_mse", Double.toString(best));
      return java.util.Collections.unmodifiableMap(m);
    }
  }
}
