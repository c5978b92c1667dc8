package org.metamut.lib.adapt;

import java.io.Serializable;
import java.util.List;

/**
 * The ESM-2 block of a closed-form head: each variant's frozen ESM-2 features (the final-layer state averaged over its
 * mutated sites, plus the masked-marginal zero-shot score when the checkpoint has an LM head; computed by the job that
 * holds the checkpoint and carried by {@link org.metamut.lib.encode.EncodedVariant#esm()}) appended to the model's
 * features as a penalty block of their own, solved jointly with the model's head ({@link ClosedFormAdaptation}).
 *
 * <p>The columns are standardised on the support (its mean and standard deviation, 1 where a column is constant), so
 * one penalty means the same for every checkpoint size; the base log-penalty is {@code ln(width)} (prior variance of the
 * whole block's contribution 1 in support-normalised label units, whatever the width), rescaled per task by support
 * leave-one-out from {@link #LOO_LOG_SCALES}. Unlike the site block the joint solve is sound here: every column is dense
 * (each variant has a value), so no column belongs to one support variant alone.
 *
 * <p>The block's weights are per task and its width is the checkpoint's, so they live beside θ' in the
 * {@link AdaptedModel} (as the site block's do): θ' holds the model features' weights and the intercept, and
 * {@link #effect} adds the block's part of the prediction.
 */
public final class EsmBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Natural-log scales tried per task around the base log-penalty: e^-3 to e^6, wider upwards than the learned blocks'
   * so that a block that does not help the task can switch off.
   */
  public static final double[] LOO_LOG_SCALES = {-3.0, -1.5, 0.0, 1.5, 3.0, 6.0};

  private final double[] centre;
  private final double[] scale;
  private final double[] weights;
  private final double[] fitMeans;

  private EsmBlock(double[] centre, double[] scale, double[] weights, double[] fitMeans) {
    this.centre = centre;
    this.scale = scale;
    this.weights = weights;
    this.fitMeans = fitMeans;
  }

  /** The block of a support set: its columns' standardisation (every variant's features must be there, same width). */
  public static EsmBlock of(List<double[]> supportFeatures) {
    int w = width(supportFeatures.get(0));
    int n = supportFeatures.size();
    double[] mean = new double[w];
    for (double[] r : supportFeatures) {
      check(r, w);
      for (int j = 0; j < w; j++) {
        mean[j] += r[j] / n;
      }
    }
    double[] sd = new double[w];
    for (double[] r : supportFeatures) {
      for (int j = 0; j < w; j++) {
        sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n;
      }
    }
    for (int j = 0; j < w; j++) {
      sd[j] = sd[j] > 0 ? Math.sqrt(sd[j]) : 1.0;
    }
    return new EsmBlock(mean, sd, null, null);
  }

  /** Number of columns (the checkpoint's hidden size, plus one for the zero-shot score). */
  public int width() {
    return centre.length;
  }

  /** Base log-penalty of every column: {@code ln(width)}. */
  public double baseLogPenalty() {
    return Math.log(width());
  }

  /** A variant's standardised row. */
  public double[] row(double[] features) {
    check(features, centre.length);
    double[] r = new double[centre.length];
    for (int j = 0; j < r.length; j++) {
      r[j] = (features[j] - centre[j]) / scale[j];
    }
    return r;
  }

  /** Each model feature row followed by the variant's standardised ESM row (the joint solve's design rows). */
  public double[][] append(double[][] modelFeatures, List<double[]> features) {
    if (modelFeatures.length < features.size()) {
      throw new IllegalArgumentException(modelFeatures.length + " feature rows for " + features.size() + " variants");
    }
    double[][] out = new double[features.size()][];
    for (int i = 0; i < out.length; i++) {
      double[] m = modelFeatures[i];
      double[] e = row(features.get(i));
      double[] r = java.util.Arrays.copyOf(m, m.length + e.length);
      System.arraycopy(e, 0, r, m.length, e.length);
      out[i] = r;
    }
    return out;
  }

  /**
   * This block with its solved weights: {@code weights} and {@code fitMeans} are the joint fit's weights and support
   * means of the block's columns (the fit's last {@link #width()} columns).
   */
  EsmBlock solved(double[] blockWeights, double[] blockMeans) {
    if (blockWeights.length != width() || blockMeans.length != width()) {
      throw new IllegalArgumentException("ESM block of " + width() + " columns given " + blockWeights.length
          + " weights and " + blockMeans.length + " means");
    }
    return new EsmBlock(centre, scale, blockWeights.clone(), blockMeans.clone());
  }

  /** A variant's contribution to the normalised prediction: Σ w_j (row_j − support mean_j). */
  public double effect(double[] features) {
    if (weights == null) {
      throw new IllegalStateException("the ESM block has not been solved");
    }
    double[] r = row(features);
    double v = 0;
    for (int j = 0; j < r.length; j++) {
      v += weights[j] * (r[j] - fitMeans[j]);
    }
    return v;
  }

  private static int width(double[] features) {
    if (features == null) {
      throw new IllegalArgumentException("a closed-form head with an ESM-2 block needs every variant's ESM-2 features "
          + "(metamut.esm.head-features with metamut.esm.checkpoint set); a variant has none");
    }
    return features.length;
  }

  private static void check(double[] features, int w) {
    if (width(features) != w) {
      throw new IllegalArgumentException("ESM-2 features of " + features.length + " values where the block has " + w
          + " (features of two checkpoints mixed?)");
    }
  }
}
