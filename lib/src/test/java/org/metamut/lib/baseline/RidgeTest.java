package org.metamut.lib.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RidgeTest {

  @Test
  void primalFormMatchesNormalEquationsSolvedByHand() {
    // X = [1 0; 0 1; 1 1], y = (1, 2, 4), λ = 1. Centred: x̄ = (2/3, 2/3), ȳ = 7/3,
    // XcᵀXc = [2/3 -1/3; -1/3 2/3], Xcᵀyc = (1/3, 4/3); (XcᵀXc + I)⁻¹ = [5/8 1/8; 1/8 5/8]
    // β = (3/8, 7/8), b = 7/3 - (2/3)(3/8 + 7/8) = 3/2
    Ridge.Fit f = Ridge.fit(new double[][] {{1, 0}, {0, 1}, {1, 1}}, new double[] {1, 2, 4}, 1.0);
    assertArrayEquals(new double[] {0.375, 0.875}, f.coef(), 1e-12);
    assertEquals(1.5, f.intercept(), 1e-12);
    assertEquals(1.5 + 0.375 * 2 + 0.875 * 3, f.predict(new double[] {2, 3}), 1e-12);
  }

  @Test
  void dualFormMatchesAHandSolvedWideCase() {
    // X = [1 0 0; 0 1 0], y = (0, 2), λ = 1 (p > n: dual path). Xc = ±(.5, -.5, 0), yc = (-1, 1);
    // u = (1, -1, 0) is an eigenvector of XcᵀXc with eigenvalue 1 and Xcᵀyc = -u, so β = -u/2;
    // b = ȳ - x̄·β = 1 - (.5·-.5 + .5·.5) = 1
    Ridge.Fit f = Ridge.fit(new double[][] {{1, 0, 0}, {0, 1, 0}}, new double[] {0, 2}, 1.0);
    assertArrayEquals(new double[] {-0.5, 0.5, 0}, f.coef(), 1e-12);
    assertEquals(1.0, f.intercept(), 1e-12);
  }

  @Test
  void primalAndDualAgreeOnRandomData() {
    Random r = new Random(11);
    double[][] x = randomMatrix(r, 6, 9);
    double[] y = randomVector(r, 6);
    // wide (dual path) and tall (primal path) against an explicit normal-equation solve
    Ridge.Fit f = Ridge.fit(x, y, 0.7);
    double[] beta = normalEquations(x, y, 0.7);
    assertArrayEquals(beta, f.coef(), 1e-9);
    double[][] tall = randomMatrix(r, 15, 4);
    double[] ty = randomVector(r, 15);
    assertArrayEquals(normalEquations(tall, ty, 0.3), Ridge.fit(tall, ty, 0.3).coef(), 1e-9);
  }

  @Test
  void looShortcutEqualsBruteForceLeaveOneOut() {
    Random r = new Random(5);
    double[] grid = Ridge.grid(-2, 3, 6);
    for (int[] shape : new int[][] {{12, 5}, {8, 20}, {2, 3}}) {
      double[][] x = randomMatrix(r, shape[0], shape[1]);
      double[] y = randomVector(r, shape[0]);
      double[] shortcut = Ridge.looMse(x, y, grid);
      for (int g = 0; g < grid.length; g++) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
          double[][] xi = new double[x.length - 1][];
          double[] yi = new double[x.length - 1];
          for (int j = 0, k = 0; j < x.length; j++) {
            if (j != i) {
              xi[k] = x[j];
              yi[k++] = y[j];
            }
          }
          double e = y[i] - Ridge.fit(xi, yi, grid[g]).predict(x[i]);
          sum += e * e;
        }
        assertEquals(sum / x.length, shortcut[g], 1e-9 * (1 + sum), "shape " + Arrays.toString(shape) + " λ " + grid[g]);
      }
    }
  }

  @Test
  void fitLooPicksTheGridMinimumAndRefitsThere() {
    Random r = new Random(9);
    double[][] x = randomMatrix(r, 20, 3);
    double[] y = new double[20];
    for (int i = 0; i < 20; i++) {
      y[i] = 2 * x[i][0] - x[i][1] + 0.1 * r.nextGaussian();
    }
    double[] grid = Ridge.DEFAULT_GRID;
    Ridge.Fit f = Ridge.fitLoo(x, y, grid);
    double[] mse = Ridge.looMse(x, y, grid);
    int best = 0;
    for (int g = 1; g < grid.length; g++) {
      if (mse[g] < mse[best]) {
        best = g;
      }
    }
    assertEquals(grid[best], f.lambda());
    assertArrayEquals(Ridge.fit(x, y, grid[best]).coef(), f.coef(), 1e-12);
    assertTrue(f.lambda() < 10, "low-noise linear data wants little shrinkage, got " + f.lambda());
  }

  @Test
  void oneExampleGivesTheInterceptAlone() {
    Ridge.Fit f = Ridge.fitLoo(new double[][] {{1, 2}}, new double[] {3.5}, Ridge.DEFAULT_GRID);
    assertEquals(3.5, f.predict(new double[] {9, 9}), 0);
  }

  @Test
  void badInputsAreNamed() {
    assertThrows(IllegalArgumentException.class, () -> Ridge.fit(new double[][] {{1}}, new double[] {1}, 0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Ridge.fit(new double[][] {{1, 2}, {1}}, new double[] {1, 2}, 1));
    assertTrue(e.getMessage().contains("row 1"), e.getMessage());
  }

  /** β of the centred problem from (XcᵀXc + λI)β = Xcᵀyc, solved by Gaussian elimination. */
  static double[] normalEquations(double[][] x, double[] y, double lambda) {
    int n = x.length;
    int p = x[0].length;
    double[] xm = new double[p];
    double ym = 0;
    for (int i = 0; i < n; i++) {
      ym += y[i] / n;
      for (int j = 0; j < p; j++) {
        xm[j] += x[i][j] / n;
      }
    }
    double[][] a = new double[p][p + 1];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) {
        for (int k = 0; k < p; k++) {
          a[j][k] += (x[i][j] - xm[j]) * (x[i][k] - xm[k]);
        }
        a[j][p] += (x[i][j] - xm[j]) * (y[i] - ym);
      }
    }
    for (int j = 0; j < p; j++) {
      a[j][j] += lambda;
    }
    for (int c = 0; c < p; c++) {
      for (int rr = c + 1; rr < p; rr++) {
        double f = a[rr][c] / a[c][c];
        for (int k = c; k <= p; k++) {
          a[rr][k] -= f * a[c][k];
        }
      }
    }
    double[] b = new double[p];
    for (int c = p - 1; c >= 0; c--) {
      double s = a[c][p];
      for (int k = c + 1; k < p; k++) {
        s -= a[c][k] * b[k];
      }
      b[c] = s / a[c][c];
    }
    return b;
  }

  static double[][] randomMatrix(Random r, int n, int p) {
    double[][] x = new double[n][p];
    for (double[] row : x) {
      for (int j = 0; j < p; j++) {
        row[j] = r.nextGaussian();
      }
    }
    return x;
  }

  static double[] randomVector(Random r, int n) {
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextGaussian();
    }
    return y;
  }
}
