package org.metamut.lib.baseline;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * Ridge regression on two feature blocks with their own penalties and an unpenalised intercept: minimise
 * {@code Σ(y − b − a·βa − x·βb)² + λa‖βa‖² + λb‖βb‖²}, both penalties chosen together by closed-form leave-one-out
 * on a grid (every pair of {@code gridA × gridB}).
 *
 * <p><b>Why two penalties.</b> The blocks live on different scales and carry different amounts of signal (8
 * standardised substitution features against hundreds of one-hot columns); one shared λ would let the wide block
 * set the shrinkage of the narrow one.
 *
 * <p><b>How.</b> Scaling block a by {@code 1/√λa} and block b by {@code 1/√λb} turns the problem into ridge with
 * penalty 1, whose dual form needs only the centred Gram matrices: {@code K = Ka/λa + Kb/λb} with
 * {@code Ka = AcAcᵀ}, {@code Kb = BcBcᵀ} (n×n, computed once). Pairs with the same ratio {@code r = λa/λb} share one
 * eigen-decomposition of {@code Ka + r·Kb = λa·K}, and the hat matrix is {@code 11ᵀ/n + U diag(s/(s+λa)) Uᵀ}, so
 * the LOO residual {@code (yᵢ − ŷᵢ)/(1 − Hᵢᵢ)} costs no refit (as in {@link Ridge}). The fit is mapped back to
 * coefficients on the original features: {@code βa = Acᵀα/λa}, {@code βb = Bcᵀα/λb}, {@code α = (K + I)⁻¹yc}.
 * Ties (within 1e-12 relative) go to the larger λa, then the larger λb; a pair where some {@code 1 − Hᵢᵢ < 1e-10}
 * scores +∞. One example: the intercept alone.
 */
public final class TwoBlockRidge {

  private static final double RANK_TOL = 1e-12;

  /** The fit: intercept, coefficients of each block, the chosen penalties and the LOO MSE of every pair. */
  public record Fit(double intercept, double[] coefA, double[] coefB, double lambdaA, double lambdaB,
      double[][] looMse) implements Serializable {

    public double predict(double[] a, double[] b) {
      if (a.length != coefA.length || b.length != coefB.length) {
        throw new IllegalArgumentException("two-block ridge fitted on " + coefA.length + " + " + coefB.length
            + " features got " + a.length + " + " + b.length);
      }
      return intercept + dot(a, coefA) + dot(b, coefB);
    }
  }

  private TwoBlockRidge() {}

  /** Selects (λa, λb) on {@code gridA × gridB} by LOO, then fits at them; {@code looMse[i][j]} is the pair (i, j). */
  public static Fit fitLoo(double[][] a, double[][] b, double[] y, double[] gridA, double[] gridB) {
    int n = y.length;
    if (n == 0 || a.length != n || b.length != n) {
      throw new IllegalArgumentException("two-block ridge: " + a.length + " + " + b.length + " feature rows for " + n
          + " targets");
    }
    double[] ma = means(a);
    double[] mb = means(b);
    double ym = 0;
    for (double t : y) {
      ym += t / n;
    }
    if (n == 1) {
      return new Fit(y[0], new double[ma.length], new double[mb.length], Double.POSITIVE_INFINITY,
          Double.POSITIVE_INFINITY, new double[gridA.length][gridB.length]);
    }
    double[][] ac = centre(a, ma);
    double[][] bc = centre(b, mb);
    double[] yc = new double[n];
    for (int i = 0; i < n; i++) {
      yc[i] = y[i] - ym;
    }
    double[][] ka = gram(ac);
    double[][] kb = gram(bc);
    double[][] mse = new double[gridA.length][gridB.length];
    Map<Long, Eigen> byRatio = new HashMap<>(); // pairs of one ratio share a decomposition
    int bi = -1;
    int bj = -1;
    for (int i = 0; i < gridA.length; i++) {
      for (int j = 0; j < gridB.length; j++) {
        check(gridA[i]);
        check(gridB[j]);
        double r = gridA[i] / gridB[j];
        mse[i][j] = byRatio.computeIfAbsent(Math.round(Math.log(r) * 1e9), key -> Eigen.of(ka, kb, r))
            .looMse(yc, gridA[i]);
        if (bi < 0 || better(mse[i][j], gridA[i], gridB[j], mse[bi][bj], gridA[bi], gridB[bj])) {
          bi = i;
          bj = j;
        }
      }
    }
    double la = gridA[bi];
    double lb = gridB[bj];
    double[] alpha = Eigen.of(ka, kb, la / lb).alpha(yc, la);
    double[] ca = transposeTimes(ac, alpha, 1 / la);
    double[] cb = transposeTimes(bc, alpha, 1 / lb);
    return new Fit(ym - dot(ma, ca) - dot(mb, cb), ca, cb, la, lb, mse);
  }

  private static boolean better(double m, double la, double lb, double bestM, double bestLa, double bestLb) {
    if (m < bestM * (1 - 1e-12)) {
      return true;
    }
    if (!(m <= bestM * (1 + 1e-12))) {
      return false;
    }
    return la > bestLa || la == bestLa && lb > bestLb;
  }

  private static void check(double lambda) {
    if (!(lambda > 0) || !Double.isFinite(lambda)) {
      throw new IllegalArgumentException("ridge lambda must be finite and > 0, got " + lambda);
    }
  }

  /** The eigen-decomposition of {@code Ka + r·Kb}, eigenvalues below the rank tolerance set to 0. */
  private record Eigen(double[] s, double[][] u) {

    static Eigen of(double[][] ka, double[][] kb, double r) {
      int n = ka.length;
      double[][] k = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          k[i][j] = ka[i][j] + r * kb[i][j];
        }
      }
      EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(k, false));
      double[] ev = eig.getRealEigenvalues();
      double max = 0;
      for (double e : ev) {
        max = Math.max(max, e);
      }
      double[] s = new double[n];
      for (int j = 0; j < n; j++) {
        s[j] = ev[j] > RANK_TOL * Math.max(max, 1e-300) ? ev[j] : 0;
      }
      return new Eigen(s, eig.getV().getData());
    }

    double[] uty(double[] yc) {
      int n = yc.length;
      double[] out = new double[n];
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
          out[j] += u[i][j] * yc[i];
        }
      }
      return out;
    }

    /** Mean squared LOO residual at penalty {@code lambdaA} on the scale of {@code Ka + r·Kb}. */
    double looMse(double[] yc, double lambdaA) {
      int n = yc.length;
      double[] uty = uty(yc);
      double sum = 0;
      for (int i = 0; i < n; i++) {
        double h = 1.0 / n;
        double fit = 0;
        for (int j = 0; j < n; j++) {
          if (s[j] == 0) {
            continue;
          }
          double shrink = s[j] / (s[j] + lambdaA);
          h += u[i][j] * u[i][j] * shrink;
          fit += u[i][j] * uty[j] * shrink;
        }
        if (1 - h < 1e-10) {
          return Double.POSITIVE_INFINITY;
        }
        double res = (yc[i] - fit) / (1 - h);
        sum += res * res;
      }
      return sum / n;
    }

    /** {@code α = (K + I)⁻¹ yc = λa (Ka + r·Kb + λa I)⁻¹ yc} on the non-null eigenvectors (the rest add nothing to β). */
    double[] alpha(double[] yc, double lambdaA) {
      int n = yc.length;
      double[] uty = uty(yc);
      double[] out = new double[n];
      for (int j = 0; j < n; j++) {
        if (s[j] == 0) {
          continue;
        }
        double c = uty[j] * lambdaA / (s[j] + lambdaA);
        for (int i = 0; i < n; i++) {
          out[i] += u[i][j] * c;
        }
      }
      return out;
    }
  }

  private static double[] means(double[][] x) {
    int p = x.length == 0 ? 0 : x[0].length;
    double[] m = new double[p];
    for (double[] r : x) {
      if (r.length != p) {
        throw new IllegalArgumentException("two-block ridge: rows of " + r.length + " and " + p + " features in one block");
      }
      for (int j = 0; j < p; j++) {
        m[j] += r[j] / x.length;
      }
    }
    return m;
  }

  private static double[][] centre(double[][] x, double[] m) {
    double[][] c = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      c[i] = new double[m.length];
      for (int j = 0; j < m.length; j++) {
        c[i][j] = x[i][j] - m[j];
      }
    }
    return c;
  }

  private static double[][] gram(double[][] xc) {
    int n = xc.length;
    double[][] g = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        g[i][j] = dot(xc[i], xc[j]);
        g[j][i] = g[i][j];
      }
    }
    return g;
  }

  /** {@code scale · Xcᵀ α}. */
  private static double[] transposeTimes(double[][] xc, double[] alpha, double scale) {
    int p = xc[0].length;
    double[] out = new double[p];
    for (int i = 0; i < xc.length; i++) {
      double c = alpha[i] * scale;
      if (c == 0) {
        continue;
      }
      for (int j = 0; j < p; j++) {
        out[j] += xc[i][j] * c;
      }
    }
    return out;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
