package org.metamut.lib.adapt;

import org.metamut.lib.baseline.Standardizer;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.head.ClosedFormHead;
import org.metamut.lib.model.FlatModel;

import java.util.List;

/**
 * A model adapted to one task by {@link Adapter}: its parameters, the support normalisation its outputs are on,
 * the recipe that was applied (overrides included) and the support loss (MSE on normalised labels) before and after.
 *
 * @param divergedAt the SGD step at which the loss or θ stopped being finite (0 = did not diverge); a diverged
 *                   model predicts the support mean for every variant
 * @param seqLen     padded batch length used for prediction
 * @param posterior  the closed-form head's posterior (on the support-normalised scale) for a model adapted by the
 *                   closed-form solver; null for SGD adaptation, which has no predictive uncertainty
 * @param sites      the closed-form head's solved site block (per-task weights beside θ', added to every
 *                   prediction from the variant's site keys); null when the recipe has none
 * @param esm        the closed-form head's solved ESM-2 block (per-task weights beside θ', added to every prediction
 *                   from the variant's ESM-2 features, {@link EncodedVariant#esm()}); null when the recipe has none
 * @param others     an ensemble's other adapted members ({@link Adapter#ensemble}); empty for a single model. The
 *                   record's own fields are the first member's; {@link #predict} and {@link #predictiveSd} are the
 *                   ensemble's
 */
public record AdaptedModel(double[] theta, Standardizer targets, AdaptationRecipe recipe, double lossBefore,
                           double lossAfter, int divergedAt, int seqLen, ClosedFormHead.Fit posterior, SiteBlock sites,
                           EsmBlock esm, List<AdaptedModel> others) {

  public AdaptedModel {
    others = List.copyOf(others);
  }

  /** A single adapted model (not an ensemble). */
  public AdaptedModel(double[] theta, Standardizer targets, AdaptationRecipe recipe, double lossBefore, double lossAfter,
                      int divergedAt, int seqLen, ClosedFormHead.Fit posterior, SiteBlock sites, EsmBlock esm) {
    this(theta, targets, recipe, lossBefore, lossAfter, divergedAt, seqLen, posterior, sites, esm, List.of());
  }

  /** This model as the first member of an ensemble whose other members are {@code rest} ({@link Adapter#ensemble}). */
  AdaptedModel withOthers(List<AdaptedModel> rest) {
    return new AdaptedModel(theta, targets, recipe, lossBefore, lossAfter, divergedAt, seqLen, posterior, sites, esm, rest);
  }

  /** This model, then an ensemble's other members. */
  private List<AdaptedModel> members() {
    List<AdaptedModel> all = new java.util.ArrayList<>(1 + others.size());
    all.add(new AdaptedModel(theta, targets, recipe, lossBefore, lossAfter, divergedAt, seqLen, posterior, sites, esm));
    all.addAll(others);
    return all;
  }

  /** A model without predictive uncertainty (SGD adaptation). */
  public AdaptedModel(double[] theta, Standardizer targets, AdaptationRecipe recipe, double lossBefore, double lossAfter,
                      int divergedAt, int seqLen) {
    this(theta, targets, recipe, lossBefore, lossAfter, divergedAt, seqLen, null, null, null);
  }

  /** True when {@link #predictiveSd} gives numbers (a closed-form head whose support could estimate the noise). */
  public boolean hasUncertainty() {
    return posterior != null && Double.isFinite(posterior.noiseVariance()) && !diverged()
        && others.stream().allMatch(AdaptedModel::hasUncertainty);
  }

  public boolean diverged() {
    return divergedAt > 0;
  }

  /**
   * Predictions in label units, {@link Adapter#CHUNK} variants per model call. A non-finite output (or a diverged
   * model) predicts the support mean: the prediction that carries no information, rather than a NaN that would
   * sort first or break a metric.
   */
  public double[] predict(FlatModel model, List<EncodedVariant> variants) {
    if (!others.isEmpty()) { // an ensemble: the members' mean
      Mixture mix = new Mixture(1 + others.size(), variants.size());
      for (AdaptedModel m : members()) {
        mix.add(m.predict(model, variants), null);
      }
      return mix.mean();
    }
    double[] z = normalised(model, variants);
    double[] p = new double[z.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = Double.isFinite(z[i]) ? targets.inverse(z[i]) : targets.mean();
    }
    return p;
  }

  /** Mean squared error of the normalised predictions against normalised labels {@code z} (site effects included). */
  double normalisedLoss(FlatModel model, List<EncodedVariant> variants, double[] z) {
    double[] p = normalised(model, variants);
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s += (p[i] - z[i]) * (p[i] - z[i]);
    }
    return s / p.length;
  }

  /** Predictions on the support-normalised scale (NaN for a diverged model). */
  private double[] normalised(FlatModel model, List<EncodedVariant> variants) {
    double[] p = new double[variants.size()];
    for (int from = 0; from < p.length; from += Adapter.CHUNK) {
      int to = Math.min(p.length, from + Adapter.CHUNK);
      double[] z = diverged() ? null : model.predict(theta, EncodedVariant.toBatch(variants.subList(from, to), null, seqLen));
      for (int i = from; i < to; i++) {
        p[i] = z == null ? Double.NaN : z[i - from] + (sites == null ? 0 : sites.effect(variants.get(i).sites()))
            + (esm == null ? 0 : esm.effect(variants.get(i).esm()));
      }
    }
    return p;
  }

  /**
   * Predictions in label units with their predictive SDs ({@code sd} null when the model has none): {@link #predict}
   * and {@link #predictiveSd} in one pass over an ensemble's members, each member's predictions computed once.
   */
  public record Predictions(double[] mean, double[] sd) {
  }

  /** {@link #predict} and {@link #predictiveSd} of the same variants. */
  public Predictions withSd(FlatModel model, List<EncodedVariant> variants) {
    if (others.isEmpty()) {
      return new Predictions(predict(model, variants), predictiveSd(model, variants));
    }
    // an ensemble: the mean, and the SD of the equal-weight mixture of the members' predictive distributions
    boolean sd = hasUncertainty();
    Mixture mix = new Mixture(1 + others.size(), variants.size());
    for (AdaptedModel m : members()) {
      Predictions p = m.withSd(model, variants);
      mix.add(p.mean(), sd ? p.sd() : null);
    }
    return new Predictions(mix.mean(), mix.sd());
  }

  /**
   * Predictive standard deviations in label units, or null when the model has none ({@link #hasUncertainty}): the
   * Bayesian head's posterior predictive SD (noise, intercept and weight uncertainty, {@link ClosedFormHead.Fit#variance})
   * of each variant's features (and site row), times the support label scale (the support z-scoring undone). The mean that goes
   * with it is {@link #predict}.
   */
  public double[] predictiveSd(FlatModel model, List<EncodedVariant> variants) {
    if (!hasUncertainty()) {
      return null;
    }
    if (!others.isEmpty()) {
      return withSd(model, variants).sd();
    }
    var fm = ClosedFormAdaptation.featureModel(model);
    double[] sd = new double[variants.size()];
    for (int from = 0; from < sd.length; from += Adapter.CHUNK) {
      int to = Math.min(sd.length, from + Adapter.CHUNK);
      List<EncodedVariant> chunk = variants.subList(from, to);
      double[][] f = fm.features(theta, EncodedVariant.toBatch(chunk, null, seqLen));
      if (esm != null) {
        f = esm.append(f, chunk.stream().map(EncodedVariant::esm).toList());
      }
      double[] z = sites == null ? posterior.sd(f) : sites.sd(posterior, f, chunk.stream().map(EncodedVariant::sites).toList());
      for (int i = from; i < to; i++) {
        sd[i] = z[i - from] * targets.scale();
      }
    }
    return sd;
  }
}
