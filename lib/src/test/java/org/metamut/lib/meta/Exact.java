package org.metamut.lib.meta;

import org.metamut.lib.meta.synthetic.GridMlp;
import org.metamut.lib.model.TokenBatch;

/** Closed-form linear-regression maths for checking learners on GridMlp(d, 0). */
final class Exact {
  private Exact() {
  }

  /** Design matrix with a trailing column of ones, [B, d+1]. */
  static double[][] design(TokenBatch b) {
    int d = b.seqLen();
    double[][] x = new double[b.batchSize()][d + 1];
    for (int i = 0; i < b.batchSize(); i++) {
      for (int j = 0; j < d; j++) {
        x[i][j] = GridMlp.decode(b.ids()[i * d + j]);
      }
      x[i][d] = 1;
    }
    return x;
  }

  /** ∇ of mean squared error: (2/B) Xᵀ(Xθ − y). */
  static double[] grad(TokenBatch b, double[] th) {
    double[][] x = design(b);
    double[] g = new double[th.length];
    for (int i = 0; i < x.length; i++) {
      double r = -b.targets()[i];
      for (int j = 0; j < th.length; j++) {
        r += x[i][j] * th[j];
      }
      for (int j = 0; j < th.length; j++) {
        g[j] += 2 * r * x[i][j] / x.length;
      }
    }
    return g;
  }

  /** H = (2/B) XᵀX. */
  static double[][] hessian(TokenBatch b) {
    double[][] x = design(b);
    int n = x[0].length;
    double[][] h = new double[n][n];
    for (double[] row : x) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          h[i][j] += 2 * row[i] * row[j] / x.length;
        }
      }
    }
    return h;
  }

  static double[] mul(double[][] m, double[] v) {
    double[] o = new double[m.length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < v.length; j++) {
        o[i] += m[i][j] * v[j];
      }
    }
    return o;
  }

  static double[] axpy(double a, double[] x, double[] y) {
    double[] o = y.clone();
    for (int i = 0; i < o.length; i++) {
      o[i] += a * x[i];
    }
    return o;
  }

  static double relErr(double[] a, double[] ref) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - ref[i]) * (a[i] - ref[i]);
      den += ref[i] * ref[i];
    }
    return Math.sqrt(num / Math.max(den, 1e-300));
  }
}
