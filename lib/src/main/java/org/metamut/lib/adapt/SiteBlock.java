package org.metamut.lib.adapt;

import org.metamut.lib.encode.SiteKeys;
import org.metamut.lib.head.ClosedFormHead;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The site block of a closed-form head: one column per one-hot entry ({@link SiteKeys}) that occurs in the support
 * set, a ridge regression of what the model's head leaves unexplained on the support (its residuals) on those columns,
 * so a task learns what its sites and substitutions are worth beyond what the model knows — what lets the
 * ridge-one-hot baseline keep improving with k. The block's weights are per task (its width depends on the support),
 * which is why they live beside θ' in the {@link AdaptedModel} rather than in θ.
 *
 * <p>Why a second stage rather than one joint solve with the model's features: with single mutants most columns
 * belong to one support variant each, and a column of one variant acts in a joint solve as extra noise on that
 * variant only, which shrinks the model's learned weights; leave-one-out cannot see it (a left-out variant's own
 * columns drop out with it). Measured on meta-val (10 tasks, 5 seeds, k = 8..64): the joint solve cost 0.04–0.06
 * Spearman against no block, the second stage gained 0.00–0.02 (src/docs/results.md).
 *
 * <p>Columns are the support's own: an entry no support variant has would get weight 0 from the solve anyway (its
 * centred column is 0), so a query variant's unseen entries add nothing to the mean (nor to the predictive variance,
 * {@link #sd}).
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
  private final ClosedFormHead.Fit fit;

  private SiteBlock(long[] columns, ClosedFormHead.Fit fit) {
    this.columns = columns;
    this.fit = fit;
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
    return cols.isEmpty() ? null : new SiteBlock(cols.stream().mapToLong(Long::longValue).toArray(), null);
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

  private double[][] rows(List<long[]> sites) {
    return sites.stream().map(this::row).toArray(double[][]::new);
  }

  /**
   * This block solved on the support: a ridge of {@code residuals} (the model head's support residuals, normalised
   * scale) on the support's rows, its log-penalty {@link #BASE_LOG_PENALTY} plus the scale from {@link #LOO_LOG_SCALES}
   * with the smallest exact leave-one-out error (with at least 3 variants; the base penalty otherwise).
   */
  public SiteBlock solve(List<long[]> supportSites, double[] residuals) {
    double[][] x = rows(supportSites);
    double[] lp = new double[columns.length];
    Arrays.fill(lp, BASE_LOG_PENALTY);
    if (residuals.length >= 3) {
      lp = ClosedFormHead.chooseByLoo(x, residuals, lp, new int[lp.length], LOO_LOG_SCALES);
    }
    return new SiteBlock(columns, ClosedFormHead.fit(x, residuals, lp));
  }

  /** A variant's contribution to the normalised prediction: the block's prediction for its row. */
  public double effect(long[] sites) {
    return solved().predict(new double[][] {row(sites)})[0];
  }

  /**
   * Predictive SDs of the model's head with this block on top: the block's own predictive variance (the noise left
   * after both stages, as the block's fit estimates it, its intercept and its weight uncertainty for the variant's
   * row) plus the head's weight uncertainty for the variant's features, in the head's noise units. The two stages'
   * weights are treated as independent. Why not the head's full variance plus the block's weight uncertainty: the
   * head's noise estimate holds the site effects the block then explains, so the variance would count them twice (on
   * meta-test that made the 80 % intervals cover 94–97 % of query values; adding the prior variance of substitutions the
   * support never had as well, 99.6–100 %). When the block cannot estimate its noise (a support it interpolates), the
   * head's variance is used with the block's weight uncertainty added.
   */
  public double[] sd(ClosedFormHead.Fit posterior, double[][] modelFeatures, List<long[]> sites) {
    double[][] rows = rows(sites);
    double[] head = posterior.weightVariance(modelFeatures);
    double[] block = solved().variance(rows);
    double[] out = new double[head.length];
    boolean blockNoise = Double.isFinite(solved().noiseVariance());
    double[] fallback = blockNoise ? null : posterior.variance(modelFeatures);
    double[] blockWeights = blockNoise ? null : solved().weightVariance(rows);
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.sqrt(blockNoise ? block[i] + posterior.noiseVariance() * head[i]
          : fallback[i] + posterior.noiseVariance() * blockWeights[i]);
    }
    return out;
  }

  private ClosedFormHead.Fit solved() {
    if (fit == null) {
      throw new IllegalStateException("the site block has not been solved");
    }
    return fit;
  }
}
