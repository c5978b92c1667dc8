package org.metamut.lib.baseline;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/** A fitted baseline. Each variant's prediction depends on that variant and the fit only. */
public interface Predictor extends Serializable {

  double predict(Variant variant);

  default double[] predict(List<Variant> variants) {
    double[] out = new double[variants.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = predict(variants.get(i));
    }
    return out;
  }

  /**
   * Predictive standard deviations of the variants, in the units of the support values, or null when this
   * predictor has no predictive uncertainty (or the support could not estimate one, e.g. a single example).
   * Never a made-up number: callers report nothing for null.
   */
  default double[] predictiveSd(List<Variant> variants) {
    return null;
  }

  /** What the fit chose, for the report (e.g. {@code lambda}, {@code loo_mse}); string values. */
  Map<String, String> describe();
}
