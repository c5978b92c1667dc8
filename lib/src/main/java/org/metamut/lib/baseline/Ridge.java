package org.metamut.lib.baseline;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Ridge regression with an unpenalised intercept: minimise {@code Σ(y − b − x·β)² + λ‖β‖²}, solved by
 * centring X and y and eigen-decomposing the smaller of {@code XcᵀXc} (p ≤ n) and {@code XcXcᵀ} (p &gt; n,
 * the dual form {@code β = Xcᵀ(XcXcᵀ + λI)⁻¹yc}, cheap for a long one-hot and few shots). One
 * decomposition serves the whole λ grid.
 *
 * <p><b>Penalty choice by leave-one-out CV, closed form.</b> The fit is a linear smoother
 * {@code ŷ = Hy} with {@code H = 11ᵀ/n + Xc(XcᵀXc + λI)⁻¹Xcᵀ} (exactly the hat matrix of the model with the
 * unpenalised intercept), so the LOO residual is {@code (yᵢ − ŷᵢ)/(1 − Hᵢᵢ)} without refitting. The chosen λ
 * minimises the mean squared LOO residual over the grid; ties (within 1e-12 relative) go to the larger λ.
 * A λ where some {@code 1 − Hᵢᵢ < 1e-10} scores +∞. With one example there is nothing to validate: the fit is
 * the intercept alone.
 */
public final class Ridge {

  /** Default λ grid: 10^-3 … 10^5 in half-decade steps (17 values). */
  public static final double[] DEFAULT_GRID = grid(-3, 5, 17);

  private static final double RANK_TOL = 1e-12;

  /** A fitted model and, when λ was selected, the grid and its LOO mean squared errors. */
  public record Fit(double intercept, double[] coef, double lambda, double[] grid, double[] looMse)
      implements Serializable {

    public double predict(double[] x) {
      if (x.length != coef.length) {
        throw new IllegalArgumentException("ridge fitted on " + coef.length + " features got a vector of " + x.length);
      }
      double s = intercept;
      for (int j = 0; j < x.length; j++) {
        s += coef[j] * x[j];
      }
      return s;
    }
  }

  private Ridge() {}

  /** {@code n} values from 10^lo to 10^hi, evenly spaced in log10. */
  public static double[] grid(double lo, double hi, int n) {
    double[] g = new double[n];
    for (int i = 0; i < n; i++) {
      g[i] = Math.pow(10, n == 1 ? lo : lo + (hi - lo) * i / (n - 1));
    }
    return g;
  }

  /** Fit at one λ &gt; 0. */
  public static Fit fit(double[][] x, double[] y, double lambda) {
    checkLambda(lambda);
    Decomposed d = Decomposed.of(x, y);
    return new Fit(d.ym - dot(d.xm, d.coef(lambda)), d.coef(lambda), lambda, new double[] {lambda},
        new double[] {Double.NaN});
  }

  /** LOO mean squared error for each λ of {@code grid} (closed form). Needs n ≥ 2. */
  public static double[] looMse(double[][] x, double[] y, double[] grid) {
    if (y.length < 2) {
      throw new IllegalArgumentException("leave-one-out needs at least 2 examples, got " + y.length);
    }
    Decomposed d = Decomposed.of(x, y);
    double[] out = new double[grid.length];
    for (int g = 0; g < grid.length; g++) {
      checkLambda(grid[g]);
      out[g] = d.looMse(grid[g]);
    }
    return out;
  }

  /** Selects λ on {@code grid} by LOO, then fits at it. One example: intercept-only fit, λ = +∞. */
  public static Fit fitLoo(double[][] x, double[] y, double[] grid) {
    if (grid.length == 0) {
      throw new IllegalArgumentException("ridge: empty lambda grid");
    }
    Decomposed d = Decomposed.of(x, y);
    int p = d.xm.length;
    if (y.length == 1) {
      double[] nan = new double[grid.length];
      Arrays.fill(nan, Double.NaN);
      return new Fit(y[0], new double[p], Double.POSITIVE_INFINITY, grid.clone(), nan);
    }
    double[] mse = new double[grid.length];
    int best = -1;
    for (int g = 0; g < grid.length; g++) {
      checkLambda(grid[g]);
      mse[g] = d.looMse(grid[g]);
      if (best < 0 || mse[g] < mse[best] * (1 - 1e-12)
          || (mse[g] <= mse[best] * (1 + 1e-12) && grid[g] > grid[best])) {
        best = g;
      }
    }
    double lambda = grid[best];
    double[] coef = d.coef(lambda);
    return new Fit(d.ym - dot(d.xm, coef), coef, lambda, grid.clone(), mse);
  }

  private static void checkLambda(double lambda) {
    if (!(lambda > 0) || !Double.isFinite(lambda)) {
      throw new IllegalArgumentException("ridge lambda must be finite and > 0, got " + lambda);
    }
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** Centred data and one eigen-decomposition, primal (p ≤ n) or dual (p &gt; n). */
  private static final class Decomposed {
    final int n;
    final int p;
    final double[] xm;
    final double ym;
    final double[][] xc;
    final double[] yc;
    final boolean dual;
    final double[] s; // eigenvalues, clamped at 0
    final double[][] z; // primal: Xc·V (n×p); dual: U (n×n)
    final double[] zty; // primal: (Xc V)ᵀ yc; dual: Uᵀ yc
    final double[][] v; // primal: V (p×p); dual: unused

    private Decomposed(double[][] x, double[] y) {
      n = y.length;
      if (n == 0) {
        throw new IllegalArgumentException("ridge: no examples");
      }
      if (x.length != n) {
        throw new IllegalArgumentException("ridge: " + x.length + " feature rows but " + n + " targets");
      }
      p = x[0].length;
      xm = new double[p];
      for (int i = 0; i < n; i++) {
        if (x[i].length != p) {
          throw new IllegalArgumentException("ridge: row " + i + " has " + x[i].length + " features, row 0 has " + p);
        }
        for (int j = 0; j < p; j++) {
          xm[j] += x[i][j] / n;
        }
      }
      double mean = 0;
      for (double t : y) {
        mean += t / n;
      }
      ym = mean;
      xc = new double[n][p];
      yc = new double[n];
      for (int i = 0; i < n; i++) {
        yc[i] = y[i] - ym;
        for (int j = 0; j < p; j++) {
          xc[i][j] = x[i][j] - xm[j];
        }
      }
      dual = p > n;
      int m = dual ? n : p;
      double[][] gram = new double[m][m];
      if (dual) {
        for (int a = 0; a < n; a++) {
          for (int b = a; b < n; b++) {
            double g = dot(xc[a], xc[b]);
            gram[a][b] = g;
            gram[b][a] = g;
          }
        }
      } else {
        for (int i = 0; i < n; i++) {
          double[] r = xc[i];
          for (int a = 0; a < p; a++) {
            if (r[a] == 0) {
              continue;
            }
            for (int b = a; b < p; b++) {
              gram[a][b] += r[a] * r[b];
            }
          }
        }
        for (int a = 0; a < p; a++) {
          for (int b = 0; b < a; b++) {
            gram[a][b] = gram[b][a];
          }
        }
      }
      s = new double[m];
      if (m == 0) {
        z = new double[n][0];
        v = new double[0][0];
        zty = new double[0];
        return;
      }
      EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(gram, false));
      RealMatrix vecs = eig.getV();
      double[] ev = eig.getRealEigenvalues();
      double max = 0;
      for (double e : ev) {
        max = Math.max(max, e);
      }
      for (int j = 0; j < m; j++) {
        s[j] = ev[j] > RANK_TOL * Math.max(max, 1e-300) ? ev[j] : 0;
      }
      double[][] vv = vecs.getData();
      if (dual) {
        z = vv;
        v = null;
      } else {
        v = vv;
        z = new double[n][p];
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < p; j++) {
            double acc = 0;
            for (int k = 0; k < p; k++) {
              acc += xc[i][k] * vv[k][j];
            }
            z[i][j] = acc;
          }
        }
      }
      zty = new double[m];
      for (int j = 0; j < m; j++) {
        double acc = 0;
        for (int i = 0; i < n; i++) {
          acc += z[i][j] * yc[i];
        }
        zty[j] = acc;
      }
    }

    static Decomposed of(double[][] x, double[] y) {
      return new Decomposed(x, y);
    }

    double[] coef(double lambda) {
      double[] beta = new double[p];
      if (dual) {
        // alpha = U diag(1/(s+λ)) Uᵀ yc over the non-null eigenvectors (null ones are orthogonal to Xc's rows)
        double[] alpha = new double[n];
        for (int j = 0; j < n; j++) {
          if (s[j] == 0) {
            continue;
          }
          double c = zty[j] / (s[j] + lambda);
          for (int i = 0; i < n; i++) {
            alpha[i] += z[i][j] * c;
          }
        }
        for (int i = 0; i < n; i++) {
          if (alpha[i] == 0) {
            continue;
          }
          for (int k = 0; k < p; k++) {
            beta[k] += xc[i][k] * alpha[i];
          }
        }
      } else {
        // beta = V diag(1/(s+λ)) (Xc V)ᵀ yc
        for (int j = 0; j < p; j++) {
          if (s[j] == 0) {
            continue;
          }
          double c = zty[j] / (s[j] + lambda);
          for (int k = 0; k < p; k++) {
            beta[k] += v[k][j] * c;
          }
        }
      }
      return beta;
    }

    double looMse(double lambda) {
      double sum = 0;
      int m = s.length;
      for (int i = 0; i < n; i++) {
        double h = 1.0 / n;
        double fit = 0;
        for (int j = 0; j < m; j++) {
          if (s[j] == 0) {
            continue;
          }
          double shrink = dual ? s[j] / (s[j] + lambda) : 1.0 / (s[j] + lambda);
          h += z[i][j] * z[i][j] * shrink;
          fit += z[i][j] * zty[j] * shrink;
        }
        double denom = 1 - h;
        if (denom < 1e-10) {
          return Double.POSITIVE_INFINITY;
        }
        double r = (yc[i] - fit) / denom;
        sum += r * r;
      }
      return sum / n;
    }
  }
}
