package org.metamut.lib.adapt;

import org.metamut.lib.encode.SiteKeys;
import org.metamut.lib.head.ClosedFormHead;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The site block of a closed-form head: one column per one-hot entry ({@link SiteKeys}) that occurs in the support
 * set, so a task's head can learn what each site and substitution is worth on top of the model's features — what
 * lets the ridge-one-hot baseline keep improving with k. Columns are the support's own: an entry no support variant
 * has would get weight 0 from the solve anyway (its centred column is 0), so a query variant's unseen entries are
 * skipped. The block is per task (its width depends on the support), which is why its weights live beside θ' in the
 * {@link AdaptedModel} rather than in θ.
 */
public final class SiteBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Base log-penalty of a site column (prior variance 1 in support-normalised label units), rescaled per task by LOO. */
  public static final double BASE_LOG_PENALTY = 0.0;

  /**
   * Natural-log scales tried per task around {@link #BASE_LOG_PENALTY} by support leave-one-out: penalties e^-3 to
   * e^6 — wider upwards than the learned blocks', since a site block that does not help must be able to switch off.
   */
  public static final double[] LOO_LOG_SCALES = {-3.0, -1.5, 0.0, 1.5, 3.0, 6.0};

  private final long[] columns;
  private final double[] weights;
  private final double priorVariance;

  private SiteBlock(long[] columns, double[] weights, double priorVariance) {
    this.columns = columns;
    this.weights = weights;
    this.priorVariance = priorVariance;
  }

  /** The columns of a support set (each variant's keys; null when any variant's are unknown or none has one). */
  public static SiteBlock of(List<long[]> supportSites) {
    TreeSet<Long> cols = new TreeSet<>();
    for (long[] s : supportSites) {
      if (s == null) {
        return null;
      }
      for (long e : s) {
        cols.add(SiteKeys.column(e));
      }
    }
    return cols.isEmpty() ? null : new SiteBlock(cols.stream().mapToLong(Long::longValue).toArray(), null, Double.NaN);
  }

  /** Number of columns. */
  public int width() {
    return columns.length;
  }

  /** A variant's row of the block: ±1 at its entries' columns, 0 elsewhere (unseen entries skipped). */
  public double[] row(long[] sites) {
    if (sites == null) {
      throw new IllegalArgumentException("a closed-form head with a site block needs every variant's site keys");
    }
    double[] r = new double[columns.length];
    for (long e : sites) {
      int c = Arrays.binarySearch(columns, SiteKeys.column(e));
      if (c >= 0) {
        r[c] += SiteKeys.value(e);
      }
    }
    return r;
  }

  /** Each feature row followed by the variant's site row. */
  public double[][] append(double[][] features, List<long[]> sites) {
    double[][] out = new double[features.length][];
    for (int i = 0; i < features.length; i++) {
      double[] s = row(sites.get(i));
      out[i] = Arrays.copyOf(features[i], features[i].length + s.length);
      System.arraycopy(s, 0, out[i], features[i].length, s.length);
    }
    return out;
  }

  /** This block with the solved weights of its columns and the log-penalty they were solved with. */
  public SiteBlock withWeights(double[] w, double logPenalty) {
    if (w.length != columns.length) {
      throw new IllegalArgumentException(w.length + " weights for " + columns.length + " site columns");
    }
    return new SiteBlock(columns, w.clone(), Math.exp(-logPenalty));
  }

  /**
   * Predictive SDs of the posterior over the model's features and this block: {@link ClosedFormHead.Fit#variance} of
   * each variant's row, plus the prior variance of each entry the support never had (its weight is still the prior's:
   * a substitution at a site no label has seen is more uncertain, not less), times the noise variance as every term.
   */
  public double[] sd(ClosedFormHead.Fit posterior, double[][] modelFeatures, List<long[]> sites) {
    double[] var = posterior.variance(append(modelFeatures, sites));
    for (int i = 0; i < var.length; i++) {
      int unseen = 0;
      for (long e : sites.get(i)) {
        unseen += Arrays.binarySearch(columns, SiteKeys.column(e)) < 0 ? 1 : 0;
      }
      var[i] = Math.sqrt(var[i] + posterior.noiseVariance() * priorVariance * unseen);
    }
    return var;
  }

  /** A variant's contribution to the normalised prediction: its row times the solved weights. */
  public double effect(long[] sites) {
    if (weights == null) {
      throw new IllegalStateException("the site block has not been solved");
    }
    double[] r = row(sites);
    double v = 0;
    for (int j = 0; j < r.length; j++) {
      v += r[j] * weights[j];
    }
    return v;
  }
}
