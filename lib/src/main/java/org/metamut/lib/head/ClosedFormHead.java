package org.metamut.lib.head;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Bayesian linear regression of a task's normalised labels on its support features, in closed form:
 * prior w ~ N(0, σ²Λ⁻¹) with Λ = diag(exp(logPenalty)), noise N(0, σ²), features centred on the support mean and
 * an unpenalised intercept (the support label mean). With S = Λ⁻¹ and centred support features X (k × D):
 * <pre>
 *   K = X S Xᵀ + I  (k × k),   α = K⁻¹ (y − ȳ),   posterior mean w = S Xᵀ α
 *   query mean      μ = ȳ + X_q S Xᵀ α
 *   query variance  σ² (1 + 1/k + x S xᵀ − (x S Xᵀ) K⁻¹ (X S xᵀ))   (x centred on the support mean)
 *   LOO residual    r_i = α_i / (K⁻¹)_ii
 * </pre>
 * This kernel (Woodbury) form equals the primal solve {@code w = (XᵀX + Λ)⁻¹ Xᵀ(y − ȳ)} for any D and costs
 * O(k²D + k³). The 1/k term is the intercept's posterior variance (flat prior; it is independent of w because the
 * features are centred). σ² is estimated from the support: ‖α‖² / (‖K⁻¹‖²_F − 1), the residual sum of squares
 * (the residuals are α) over its expected multiple of σ² when the noise is all there is; the −1 is the degree of
 * freedom the centring takes (K⁻¹ maps the all-ones vector to itself). With one support example, or a fit that
 * interpolates the support, there is nothing to estimate σ² from: it is NaN, and so is every predictive variance.
 *
 * <p>{@link #queryLoss} also returns the gradient of the query mean squared error with respect to the support and
 * query features, the log-penalties and the targets (and, with a prior mean w₀, w₀), by reverse-mode differentiation
 * through the solve (including the centring), so a backbone producing the features can be meta-learned through it.
 */
public final class ClosedFormHead {
  private ClosedFormHead() {
  }

  /** A head fitted on one support set. */
  public static final class Fit implements Serializable {
    private static final long serialVersionUID = 1L;
    private final double[] mean;
    private final double yMean;
    private final double[] s;
    private final double[][] xc;
    private final double[] alpha;
    private final double[][] kInv;
    private final double noise;

    private Fit(double[] mean, double yMean, double[] s, double[][] xc, double[] alpha, double[][] kInv) {
      this.mean = mean;
      this.yMean = yMean;
      this.s = s;
      this.xc = xc;
      this.alpha = alpha;
      this.kInv = kInv;
      double ss = 0;
      double fro = 0;
      for (int i = 0; i < alpha.length; i++) {
        ss += alpha[i] * alpha[i];
        for (double v : kInv[i]) {
          fro += v * v;
        }
      }
      double dof = fro - 1;
      this.noise = dof > 1e-9 ? ss / dof : Double.NaN;
    }

    /** Posterior mean weights over the centred features (length D). */
    public double[] weights() {
      int d = s.length;
      double[] w = new double[d];
      for (int j = 0; j < d; j++) {
        double v = 0;
        for (int i = 0; i < xc.length; i++) {
          v += xc[i][j] * alpha[i];
        }
        w[j] = s[j] * v;
      }
      return w;
    }

    /** The intercept (support label mean) and the support feature means the weights apply after. */
    public double intercept() {
      return yMean;
    }

    public double[] featureMeans() {
      return mean.clone();
    }

    /** Estimated noise variance σ² (NaN when the support cannot estimate it, see the class doc). */
    public double noiseVariance() {
      return noise;
    }

    /** Predictive means. */
    public double[] predict(double[][] xq) {
      double[] mu = new double[xq.length];
      for (int q = 0; q < xq.length; q++) {
        double[] a = kernelRow(xq[q]);
        double v = yMean;
        for (int i = 0; i < a.length; i++) {
          v += a[i] * alpha[i];
        }
        mu[q] = v;
      }
      return mu;
    }

    /** Predictive variances: noise, intercept and weight uncertainty (NaN when σ² is, see the class doc). */
    public double[] variance(double[][] xq) {
      double[] var = weightVariance(xq);
      for (int q = 0; q < var.length; q++) {
        var[q] = noise * (1 + 1.0 / xc.length + var[q]);
      }
      return var;
    }

    /**
     * The weight uncertainty of each row in units of the noise variance: x̃ᵀ Σ x̃ / σ² for the centred row x̃ (prior
     * variance minus what the support explains), the term {@link #variance} adds to noise and intercept.
     */
    public double[] weightVariance(double[][] xq) {
      double[] var = new double[xq.length];
      for (int q = 0; q < xq.length; q++) {
        double[] a = kernelRow(xq[q]);
        double prior = 0;
        for (int j = 0; j < s.length; j++) {
          double c = xq[q][j] - mean[j];
          prior += s[j] * c * c;
        }
        double shrink = 0;
        for (int i = 0; i < a.length; i++) {
          double t = 0;
          for (int l = 0; l < a.length; l++) {
            t += kInv[i][l] * a[l];
          }
          shrink += a[i] * t;
        }
        var[q] = Math.max(0, prior - shrink);
      }
      return var;
    }

    /** Predictive standard deviations, √{@link #variance}. */
    public double[] sd(double[][] xq) {
      double[] v = variance(xq);
      for (int q = 0; q < v.length; q++) {
        v[q] = Math.sqrt(v[q]);
      }
      return v;
    }

    /** Leave-one-out residuals of the support labels, r_i = α_i / (K⁻¹)_ii (exact, without refitting). */
    public double[] looResiduals() {
      double[] r = new double[alpha.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = alpha[i] / kInv[i][i];
      }
      return r;
    }

    /** Row (x − x̄) S Xᵀ of the query-support kernel. */
    private double[] kernelRow(double[] x) {
      check(x.length == s.length, "query features have " + x.length + " columns, the head " + s.length);
      double[] xs = new double[s.length];
      for (int j = 0; j < s.length; j++) {
        xs[j] = (x[j] - mean[j]) * s[j];
      }
      double[] a = new double[xc.length];
      for (int i = 0; i < xc.length; i++) {
        a[i] = dot(xs, xc[i]);
      }
      return a;
    }
  }

  /**
   * Fits the head on the support set.
   *
   * @param xs         support features, k × D
   * @param ys         support labels (normalised), length k
   * @param logPenalty log of the prior precision of each feature, length D
   */
  public static Fit fit(double[][] xs, double[] ys, double[] logPenalty) {
    int k = xs.length;
    check(k >= 1 && ys.length == k, "need k >= 1 support rows and as many labels, got " + k + " and " + ys.length);
    int d = logPenalty.length;
    double[] mean = columnMeans(xs, d);
    double yMean = Arrays.stream(ys).average().orElse(0);
    double[] s = new double[d];
    for (int j = 0; j < d; j++) {
      s[j] = Math.exp(-logPenalty[j]);
    }
    double[][] xc = centre(xs, mean);
    double[][] kmat = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int l = 0; l <= i; l++) {
        double v = 0;
        for (int j = 0; j < d; j++) {
          v += xc[i][j] * s[j] * xc[l][j];
        }
        kmat[i][l] = v;
        kmat[l][i] = v;
      }
      kmat[i][i] += 1;
    }
    Cholesky ch = new Cholesky(kmat);
    double[] yc = new double[k];
    for (int i = 0; i < k; i++) {
      yc[i] = ys[i] - yMean;
    }
    return new Fit(mean, yMean, s, xc, ch.solve(yc), ch.inverse());
  }

  /**
   * The query loss of the head fitted on the support set and its gradient.
   *
   * @param loss         mean squared error of the query predictions
   * @param predictions  query predictive means
   * @param dSupport     ∂loss/∂xs (k × D)
   * @param dQuery       ∂loss/∂xq (m × D)
   * @param dLogPenalty  ∂loss/∂logPenalty (D)
   * @param dSupportTargets ∂loss/∂ys (k)
   * @param dQueryTargets ∂loss/∂yq (m)
   * @param dPriorMean   ∂loss/∂w₀ (D) of {@link #queryLoss(double[][], double[], double[][], double[], double[],
   *                     double[])}; zeros for a zero prior mean
   * @param dPredictions ∂loss/∂(query predictions) (m)
   */
  public record Gradient(double loss, double[] predictions, double[][] dSupport, double[][] dQuery, double[] dLogPenalty,
                         double[] dSupportTargets, double[] dQueryTargets, double[] dPriorMean, double[] dPredictions) {
  }

  /**
   * What the query predictions are scored by: returns the loss of predictions {@code p} against labels {@code y} and
   * writes ∂loss/∂p into {@code dP} and ∂loss/∂y into {@code dY} (both overwritten).
   */
  @FunctionalInterface
  public interface QueryLoss extends Serializable {
    double evaluate(double[] p, double[] y, double[] dP, double[] dY);
  }

  /** Mean squared error (no ½ factor). */
  public static final QueryLoss MSE = ClosedFormHead::meanSquaredError;

  private static double meanSquaredError(double[] p, double[] y, double[] dP, double[] dY) {
    int m = p.length;
    double loss = 0;
    for (int q = 0; q < m; q++) {
      double e = p[q] - y[q];
      loss += e * e / m;
      dP[q] = 2 * e / m;
      dY[q] = -dP[q];
    }
    return loss;
  }

  /**
   * Mean squared error plus {@code weight} × a pairwise ranking loss (RankNet, Burges et al. ICML 2005): the mean over
   * the query pairs with y_i &gt; y_j of log(1 + exp(−(p_i − p_j))), on support-normalised labels. Why: users read
   * Spearman, which only the order of the predictions sets; MSE also spends the head on the scale of each prediction.
   * The ranking term has no gradient with respect to the labels (only their order enters). Weight 0 is {@link #MSE}.
   */
  public static QueryLoss mseWithRanking(double weight) {
    check(weight >= 0 && Double.isFinite(weight), "ranking weight must be finite and >= 0, got " + weight);
    if (weight == 0) {
      return MSE;
    }
    return (p, y, dP, dY) -> {
      double loss = meanSquaredError(p, y, dP, dY);
      int m = p.length;
      long pairs = 0;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
          if (y[i] > y[j]) {
            pairs++;
          }
        }
      }
      if (pairs == 0) {
        return loss;
      }
      double scale = weight / pairs;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
          if (y[i] > y[j]) {
            double z = p[i] - p[j];
            // log(1 + e^−z), stably; its derivative in z is −σ(−z)
            loss += scale * (z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z)));
            double s = scale / (1 + Math.exp(z));
            dP[i] -= s;
            dP[j] += s;
          }
        }
      }
      return loss;
    };
  }

  /**
   * Query MSE of the head with prior mean {@code w0} (w ~ N(w₀, σ²Λ⁻¹) instead of N(0, ·)) fitted on (xs, ys), with
   * its gradient, including ∂loss/∂w₀. The head is the zero-mean head fitted on the residuals {@code ys − xs·w₀}, its
   * query predictions plus {@code xq·w₀}: with few labels the predictions stay near the prior's, with many the data
   * decide — a meta-learned w₀ is what the head knows before it sees a task.
   */
  public static Gradient queryLoss(double[][] xs, double[] ys, double[][] xq, double[] yq, double[] logPenalty,
                                   double[] w0) {
    return queryLoss(xs, ys, xq, yq, logPenalty, w0, MSE);
  }

  /**
   * {@link #queryLoss(double[][], double[], double[][], double[], double[], double[])} with the query predictions
   * scored by {@code loss} instead of the MSE.
   */
  public static Gradient queryLoss(double[][] xs, double[] ys, double[][] xq, double[] yq, double[] logPenalty,
                                   double[] w0, QueryLoss loss) {
    int d = logPenalty.length;
    check(w0.length == d, "prior mean of length " + w0.length + " for " + d + " features");
    double[] r = residual(xs, ys, w0);
    double[] offset = new double[xq.length];
    for (int q = 0; q < offset.length; q++) {
      offset[q] = dot(xq[q], w0);
    }
    Gradient g = solveAndScore(xs, r, xq, yq, offset, logPenalty, loss);
    double[] dW0 = new double[d];
    throughResidual(xs, g.dSupportTargets(), w0, dW0, g.dSupport());
    // the offset xq·w₀: ∂/∂w₀ += Σ_q ∂p_q · xq_q, ∂/∂xq_q += ∂p_q · w₀
    double[] dP = g.dPredictions();
    for (int q = 0; q < xq.length; q++) {
      for (int j = 0; j < d; j++) {
        dW0[j] += dP[q] * xq[q][j];
        g.dQuery()[q][j] += dP[q] * w0[j];
      }
    }
    return new Gradient(g.loss(), g.predictions(), g.dSupport(), g.dQuery(), g.dLogPenalty(), g.dSupportTargets(),
        g.dQueryTargets(), dW0, dP);
  }

  /**
   * The chain rule through residual targets {@code r = y − x·w₀}: given ∂loss/∂r, adds −Σ_i ∂r_i·x_i to
   * {@code dW0} and −∂r_i·w₀ to row i of {@code dX}.
   */
  private static void throughResidual(double[][] x, double[] dR, double[] w0, double[] dW0, double[][] dX) {
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < w0.length; j++) {
        dW0[j] -= dR[i] * x[i][j];
        dX[i][j] -= dR[i] * w0[j];
      }
    }
  }

  /** {@code y − x·w0}, row by row. */
  public static double[] residual(double[][] x, double[] y, double[] w0) {
    double[] r = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      r[i] = y[i] - dot(x[i], w0);
    }
    return r;
  }

  /** Query MSE of the head fitted on (xs, ys), with its gradient through the solve. */
  public static Gradient queryLoss(double[][] xs, double[] ys, double[][] xq, double[] yq, double[] logPenalty) {
    return solveAndScore(xs, ys, xq, yq, new double[xq.length], logPenalty, MSE);
  }

  /**
   * The head fitted on (xs, ys), its query predictions plus a fixed {@code offset} per query row scored by
   * {@code queryLoss}, and the gradient through the solve (∂/∂offset is {@code dPredictions}).
   */
  private static Gradient solveAndScore(double[][] xs, double[] ys, double[][] xq, double[] yq, double[] offset,
                                        double[] logPenalty, QueryLoss queryLoss) {
    Fit f = fit(xs, ys, logPenalty);
    int k = xs.length;
    int m = xq.length;
    int d = logPenalty.length;
    check(m >= 1 && yq.length == m, "need m >= 1 query rows and as many labels, got " + m + " and " + yq.length);
    double[][] xqc = centre(xq, f.mean);
    double[][] xsS = scaleColumns(f.xc, f.s);
    double[][] a = new double[m][];
    double[] g = new double[m];
    double[] mu = new double[m];
    for (int q = 0; q < m; q++) {
      a[q] = new double[k];
      for (int i = 0; i < k; i++) {
        a[q][i] = dot(xqc[q], xsS[i]);
      }
      mu[q] = f.yMean + dot(a[q], f.alpha) + offset[q];
    }
    double[] dYq = new double[m];
    double loss = queryLoss.evaluate(mu, yq, g, dYq);
    // dA = g αᵀ; β = K⁻¹ Aᵀ g; dK = −β αᵀ (symmetrised where it meets X S Xᵀ)
    double[] atg = new double[k];
    for (int q = 0; q < m; q++) {
      for (int i = 0; i < k; i++) {
        atg[i] += a[q][i] * g[q];
      }
    }
    double[] beta = matVec(f.kInv, atg);
    double[][] dXc = new double[k][d];
    double[][] dXqc = new double[m][d];
    double[] ds = new double[d];
    for (int q = 0; q < m; q++) {
      for (int i = 0; i < k; i++) {
        double dA = g[q] * f.alpha[i];
        for (int j = 0; j < d; j++) {
          dXqc[q][j] += dA * xsS[i][j];
          dXc[i][j] += dA * xqc[q][j] * f.s[j];
          ds[j] += dA * xqc[q][j] * f.xc[i][j];
        }
      }
    }
    for (int i = 0; i < k; i++) {
      for (int l = 0; l < k; l++) {
        double gSym = -(beta[i] * f.alpha[l] + beta[l] * f.alpha[i]); // (G + Gᵀ)_il with G = −β αᵀ
        double gil = -beta[i] * f.alpha[l];
        for (int j = 0; j < d; j++) {
          dXc[i][j] += gSym * xsS[l][j];
          ds[j] += gil * f.xc[i][j] * f.xc[l][j];
        }
      }
    }
    double[] dLog = new double[d];
    for (int j = 0; j < d; j++) {
      dLog[j] = -f.s[j] * ds[j];
    }
    // centring: x̄ = mean of support rows enters both centred matrices
    double[] colSum = new double[d];
    for (double[] r : dXc) {
      for (int j = 0; j < d; j++) {
        colSum[j] += r[j];
      }
    }
    for (double[] r : dXqc) {
      for (int j = 0; j < d; j++) {
        colSum[j] += r[j];
      }
    }
    double[][] dXs = new double[k][d];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < d; j++) {
        dXs[i][j] = dXc[i][j] - colSum[j] / k;
      }
    }
    // targets: μ = ȳ + A α with α = K⁻¹ (y − ȳ), so ∂/∂y_i = β_i − mean(β) + Σ g / k
    double betaMean = Arrays.stream(beta).average().orElse(0);
    double gSum = Arrays.stream(g).sum();
    double[] dYs = new double[k];
    for (int i = 0; i < k; i++) {
      dYs[i] = beta[i] - betaMean + gSum / k;
    }
    return new Gradient(loss, mu, dXs, dXqc, dLog, dYs, dYq, new double[d], g);
  }

  /**
   * Per-task penalty choice by exact leave-one-out: every combination of one log-scale per block (added to the
   * block's log-penalties) from {@code logScaleGrid}, the one with the smallest sum of squared LOO residuals
   * (ties: the first, i.e. the smallest scales in grid order). Returns the chosen log-penalties.
   *
   * @param block block index of each feature (0-based, at most 3 blocks)
   */
  public static double[] chooseByLoo(double[][] xs, double[] ys, double[] logPenalty, int[] block, double[] logScaleGrid) {
    int blocks = Arrays.stream(block).max().orElse(0) + 1;
    double[][] grids = new double[blocks][];
    Arrays.fill(grids, logScaleGrid);
    return chooseByLoo(xs, ys, logPenalty, block, grids);
  }

  /**
   * {@link #chooseByLoo(double[][], double[], double[], int[], double[])} with a grid of log-scales per block
   * ({@code grids[b]} for block b; a grid {@code {0.0}} keeps that block's penalties as given). Combinations are tried
   * with block 0's scale varying fastest; ties keep the first.
   */
  public static double[] chooseByLoo(double[][] xs, double[] ys, double[] logPenalty, int[] block, double[][] grids) {
    int blocks = Arrays.stream(block).max().orElse(0) + 1;
    check(blocks <= 3, "at most 3 penalty blocks are searched, got " + blocks);
    check(grids.length >= blocks, blocks + " penalty blocks but " + grids.length + " grids");
    int combos = 1;
    for (int b = 0; b < blocks; b++) {
      combos *= grids[b].length;
    }
    double best = Double.POSITIVE_INFINITY;
    double[] chosen = null;
    for (int c = 0; c < combos; c++) {
      double[] lp = logPenalty.clone();
      int code = c;
      double[] add = new double[blocks];
      for (int b = 0; b < blocks; b++) {
        add[b] = grids[b][code % grids[b].length];
        code /= grids[b].length;
      }
      for (int j = 0; j < lp.length; j++) {
        lp[j] += add[block[j]];
      }
      double sse = 0;
      for (double r : fit(xs, ys, lp).looResiduals()) {
        sse += r * r;
      }
      if (sse < best) {
        best = sse;
        chosen = lp;
      }
    }
    return chosen;
  }

  private static double[] columnMeans(double[][] x, int d) {
    double[] m = new double[d];
    for (double[] r : x) {
      check(r.length == d, "feature rows have " + r.length + " columns, the penalties " + d);
      for (int j = 0; j < d; j++) {
        m[j] += r[j] / x.length;
      }
    }
    return m;
  }

  private static double[][] centre(double[][] x, double[] mean) {
    double[][] c = new double[x.length][mean.length];
    for (int i = 0; i < x.length; i++) {
      check(x[i].length == mean.length, "feature rows have " + x[i].length + " columns, the head " + mean.length);
      for (int j = 0; j < mean.length; j++) {
        c[i][j] = x[i][j] - mean[j];
      }
    }
    return c;
  }

  private static double[][] scaleColumns(double[][] x, double[] s) {
    double[][] out = new double[x.length][s.length];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < s.length; j++) {
        out[i][j] = x[i][j] * s[j];
      }
    }
    return out;
  }

  private static double[] matVec(double[][] a, double[] v) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = dot(a[i], v);
    }
    return out;
  }

  private static double dot(double[] a, double[] b) {
    double v = 0;
    for (int i = 0; i < a.length; i++) {
      v += a[i] * b[i];
    }
    return v;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("closed-form head: " + message);
    }
  }
}
