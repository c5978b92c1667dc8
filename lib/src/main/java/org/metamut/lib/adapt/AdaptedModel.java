package org.metamut.lib.adapt;

import org.metamut.lib.baseline.Standardizer;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.model.FlatModel;

import java.util.List;

/**
 * A model adapted to one task by {@link Adapter}: its parameters, the support normalisation its outputs are on,
 * the recipe that was applied (overrides included) and the support loss (MSE on normalised labels) before and after.
 *
 * @param divergedAt the SGD step at which the loss or θ stopped being finite (0 = did not diverge); a diverged
 *                   model predicts the support mean for every variant
 * @param seqLen     padded batch length used for prediction
 */
public record AdaptedModel(double[] theta, Standardizer targets, AdaptationRecipe recipe, double lossBefore,
                           double lossAfter, int divergedAt, int seqLen) {

  public boolean diverged() {
    return divergedAt > 0;
  }

  /**
   * Predictions in label units, {@link Adapter#CHUNK} variants per model call. A non-finite output (or a diverged
   * model) predicts the support mean: the prediction that carries no information, rather than a NaN that would
   * sort first or break a metric.
   */
  public double[] predict(FlatModel model, List<EncodedVariant> variants) {
    double[] p = new double[variants.size()];
    for (int from = 0; from < p.length; from += Adapter.CHUNK) {
      int to = Math.min(p.length, from + Adapter.CHUNK);
      double[] z = diverged() ? null : model.predict(theta, EncodedVariant.toBatch(variants.subList(from, to), null, seqLen));
      for (int i = from; i < to; i++) {
        double zi = z == null ? Double.NaN : z[i - from];
        p[i] = Double.isFinite(zi) ? targets.inverse(zi) : targets.mean();
      }
    }
    return p;
  }
}
