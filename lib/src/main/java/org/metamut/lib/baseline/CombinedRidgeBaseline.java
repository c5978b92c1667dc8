package org.metamut.lib.baseline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.metamut.lib.head.ClosedFormHead;

/**
 * Ridge regression on the substitution features and the one-hot of the mutant sequence together, each block with
 * its own penalty, both chosen on the support set by closed-form leave-one-out ({@link TwoBlockRidge}, every pair
 * of {@link Ridge#DEFAULT_GRID} × {@link Ridge#DEFAULT_GRID}). Substitution columns are divided by their support
 * standard deviation (as in {@code ridge-substitution}), one-hot columns are left as 0/1 (as in {@code ridge-onehot}).
 *
 * <p>Why: substitution features generalise across sites from few labels, one-hot learns site effects once there are
 * enough; each alone is the better one at some k. With a very large penalty on either block the fit is (close to)
 * the other single-block ridge, so LOO can choose either, or a mix: the strongest simple model is the honest bar.
 *
 * <p>Predictive SD: the Bayesian ridge posterior at the chosen (λa, λb) — prior precision λa on the substitution
 * columns, λb on the one-hot ones — by the closed-form head's code, as for {@link RidgeBaseline}.
 */
public final class CombinedRidgeBaseline implements Baseline {

  private static final long serialVersionUID = 1L;

  private final String name;
  private final double[] gridSubstitution;
  private final double[] gridOneHot;

  public CombinedRidgeBaseline(String name, double[] gridSubstitution, double[] gridOneHot) {
    if (gridSubstitution.length == 0 || gridOneHot.length == 0) {
      throw new IllegalArgumentException("baseline " + name + ": empty lambda grid");
    }
    this.name = name;
    this.gridSubstitution = gridSubstitution.clone();
    this.gridOneHot = gridOneHot.clone();
  }

  /** Both blocks on the default grid; {@code name} from the method registry. */
  public static CombinedRidgeBaseline of(String name) {
    return new CombinedRidgeBaseline(name, Ridge.DEFAULT_GRID, Ridge.DEFAULT_GRID);
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
    Featurizer sub = new SubstitutionFeaturizer();
    Featurizer oneHot = new OneHotFeaturizer().forSupport(support.stream().map(LabelledVariant::variant).toList());
    double[][] a = new double[n][];
    double[][] b = new double[n][];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      Variant v = support.get(i).variant();
      a[i] = sub.features(v);
      b[i] = oneHot.features(v);
      y[i] = support.get(i).y();
      if (b[i].length != b[0].length) {
        throw new IllegalArgumentException("baseline " + name + ": support variant " + v.label() + " has "
            + b[i].length + " one-hot features, the first has " + b[0].length);
      }
    }
    double[] scale = RidgeBaseline.standardize(a);
    TwoBlockRidge.Fit fit = TwoBlockRidge.fitLoo(a, b, y, gridSubstitution, gridOneHot);
    double[][] x = new double[n][];
    for (int i = 0; i < n; i++) {
      x[i] = concat(a[i], b[i]);
    }
    double[] lp = concat(RidgeBaseline.logPenalties(a[0].length, fit.lambdaA()),
        RidgeBaseline.logPenalties(b[0].length, fit.lambdaB()));
    return new CombinedPredictor(name, sub, oneHot, scale, fit, RidgeBaseline.posterior(x, y, lp));
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public String toString() {
    return name + "[features=substitution (standardised) + onehot, lambdas=" + gridSubstitution.length + " × "
        + gridOneHot.length + ", selection=LOO]";
  }

  private record CombinedPredictor(String name, Featurizer sub, Featurizer oneHot, double[] scale,
      TwoBlockRidge.Fit fit, ClosedFormHead.Fit posterior) implements Predictor {

    @Override
    public double predict(Variant variant) {
      double[][] ab = blocks(variant);
      return fit.predict(ab[0], ab[1]);
    }

    @Override
    public double[] predictiveSd(List<Variant> variants) {
      if (posterior == null) {
        return null;
      }
      double[][] xq = new double[variants.size()][];
      for (int i = 0; i < xq.length; i++) {
        double[][] ab = blocks(variants.get(i));
        xq[i] = concat(ab[0], ab[1]);
      }
      return posterior.sd(xq);
    }

    /** The variant's scaled substitution block and its one-hot block. */
    private double[][] blocks(Variant variant) {
      double[] a = sub.features(variant);
      for (int j = 0; j < a.length; j++) {
        a[j] /= scale[j];
      }
      double[] b = oneHot.features(variant);
      if (b.length != fit.coefB().length) {
        throw new IllegalArgumentException("baseline " + name + ": variant " + variant.label() + " has " + b.length
            + " one-hot features, the model was fitted on " + fit.coefB().length);
      }
      return new double[][] {a, b};
    }

    @Override
    public Map<String, String> describe() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("lambda_substitution", Double.toString(fit.lambdaA()));
      m.put("lambda_onehot", Double.toString(fit.lambdaB()));
      return java.util.Collections.unmodifiableMap(m);
    }
  }
}
