package org.metamut.lib.head;

/** Cholesky factorisation of a symmetric positive-definite matrix, with solves; the input is not modified. */
final class Cholesky {
  private final double[][] l;
  private final int n;

  Cholesky(double[][] a) {
    n = a.length;
    l = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = a[i][j];
        for (int p = 0; p < j; p++) {
          s -= l[i][p] * l[j][p];
        }
        if (i == j) {
          if (!(s > 0)) {
            throw new IllegalArgumentException("matrix is not positive definite (pivot " + s + " at " + i + ")");
          }
          l[i][i] = Math.sqrt(s);
        } else {
          l[i][j] = s / l[j][j];
        }
      }
    }
  }

  /** A⁻¹ b. */
  double[] solve(double[] b) {
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double s = b[i];
      for (int p = 0; p < i; p++) {
        s -= l[i][p] * y[p];
      }
      y[i] = s / l[i][i];
    }
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double s = y[i];
      for (int p = i + 1; p < n; p++) {
        s -= l[p][i] * x[p];
      }
      x[i] = s / l[i][i];
    }
    return x;
  }

  /** A⁻¹, column by column. */
  double[][] inverse() {
    double[][] inv = new double[n][n];
    double[] e = new double[n];
    for (int j = 0; j < n; j++) {
      e[j] = 1;
      double[] c = solve(e);
      e[j] = 0;
      for (int i = 0; i < n; i++) {
        inv[i][j] = c[i];
      }
    }
    return inv;
  }
}
