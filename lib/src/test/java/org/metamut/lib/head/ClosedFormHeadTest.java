package org.metamut.lib.head;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The closed-form head against independent computations: the primal solve (XᵀX + Λ)⁻¹Xᵀy with commons-math's LU,
 * refits for leave-one-out, central finite differences for every gradient, and a family with known weights.
 */
class ClosedFormHeadTest {

  private static double[][] gaussian(SplittableRandom r, int rows, int cols) {
    double[][] x = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        x[i][j] = r.nextGaussian();
      }
    }
    return x;
  }

  private static double[] logPenalties(SplittableRandom r, int d) {
    double[] lp = new double[d];
    for (int j = 0; j < d; j++) {
      lp[j] = r.nextDouble(-1, 2);
    }
    return lp;
  }

  /** ŷ_q by the primal solve on centred features with an unpenalised intercept (commons-math LU). */
  private static double[] primal(double[][] xs, double[] ys, double[][] xq, double[] lp) {
    int k = xs.length;
    int d = lp.length;
    double[] mean = new double[d];
    double ym = 0;
    for (int i = 0; i < k; i++) {
      ym += ys[i] / k;
      for (int j = 0; j < d; j++) {
        mean[j] += xs[i][j] / k;
      }
    }
    RealMatrix x = new Array2DRowRealMatrix(k, d);
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < d; j++) {
        x.setEntry(i, j, xs[i][j] - mean[j]);
      }
    }
    RealMatrix a = x.transpose().multiply(x);
    for (int j = 0; j < d; j++) {
      a.addToEntry(j, j, Math.exp(lp[j]));
    }
    ArrayRealVector yc = new ArrayRealVector(k);
    for (int i = 0; i < k; i++) {
      yc.setEntry(i, ys[i] - ym);
    }
    double[] w = new LUDecomposition(a).getSolver().solve(x.transpose().operate(yc)).toArray();
    double[] out = new double[xq.length];
    for (int q = 0; q < xq.length; q++) {
      double v = ym;
      for (int j = 0; j < d; j++) {
        v += (xq[q][j] - mean[j]) * w[j];
      }
      out[q] = v;
    }
    return out;
  }

  @Test
  void kernelFormEqualsThePrimalSolveWhetherKIsSmallerOrLargerThanD() {
    SplittableRandom r = new SplittableRandom(1);
    for (int[] kd : new int[][] {{6, 20}, {30, 5}, {8, 8}}) {
      double[][] xs = gaussian(r, kd[0], kd[1]);
      double[] ys = gaussian(r, 1, kd[0])[0];
      double[][] xq = gaussian(r, 7, kd[1]);
      double[] lp = logPenalties(r, kd[1]);
      assertArrayEquals(primal(xs, ys, xq, lp), ClosedFormHead.fit(xs, ys, lp).predict(xq), 1e-10,
          "k=" + kd[0] + " D=" + kd[1]);
    }
  }

  @Test
  void looResidualsEqualRefitsWithoutEachExample() {
    SplittableRandom r = new SplittableRandom(2);
    double[][] xs = gaussian(r, 9, 12);
    double[] ys = gaussian(r, 1, 9)[0];
    double[] lp = logPenalties(r, 12);
    double[] loo = ClosedFormHead.fit(xs, ys, lp).looResiduals();
    for (int i = 0; i < xs.length; i++) {
      double[][] xo = new double[xs.length - 1][];
      double[] yo = new double[xs.length - 1];
      for (int a = 0, b = 0; a < xs.length; a++) {
        if (a != i) {
          xo[b] = xs[a];
          yo[b++] = ys[a];
        }
      }
      // LOO with the full-support centring: the closed form treats the centring as fixed, so refit on centred data
      double pred = primalFixedCentre(xs, ys, xo, yo, xs[i], lp);
      assertEquals(ys[i] - pred, loo[i], 1e-9, "example " + i);
    }
  }

  /** Prediction at x of a ridge on (xo, yo) with the features and labels centred by the FULL support's means. */
  private static double primalFixedCentre(double[][] xs, double[] ys, double[][] xo, double[] yo, double[] x, double[] lp) {
    int d = lp.length;
    double[] mean = new double[d];
    double ym = 0;
    for (int i = 0; i < xs.length; i++) {
      ym += ys[i] / xs.length;
      for (int j = 0; j < d; j++) {
        mean[j] += xs[i][j] / xs.length;
      }
    }
    RealMatrix xm = new Array2DRowRealMatrix(xo.length, d);
    ArrayRealVector yc = new ArrayRealVector(xo.length);
    for (int i = 0; i < xo.length; i++) {
      yc.setEntry(i, yo[i] - ym);
      for (int j = 0; j < d; j++) {
        xm.setEntry(i, j, xo[i][j] - mean[j]);
      }
    }
    RealMatrix a = xm.transpose().multiply(xm);
    for (int j = 0; j < d; j++) {
      a.addToEntry(j, j, Math.exp(lp[j]));
    }
    double[] w = new LUDecomposition(a).getSolver().solve(xm.transpose().operate(yc)).toArray();
    double v = ym;
    for (int j = 0; j < d; j++) {
      v += (x[j] - mean[j]) * w[j];
    }
    return v;
  }

  @Test
  void gradientMatchesCentralFiniteDifferencesThroughTheSolve() {
    SplittableRandom r = new SplittableRandom(3);
    int k = 5;
    int d = 7;
    int m = 4;
    double[][] xs = gaussian(r, k, d);
    double[] ys = gaussian(r, 1, k)[0];
    double[][] xq = gaussian(r, m, d);
    double[] yq = gaussian(r, 1, m)[0];
    double[] lp = logPenalties(r, d);
    ClosedFormHead.Gradient g = ClosedFormHead.queryLoss(xs, ys, xq, yq, lp);
    java.util.function.DoubleSupplier loss = () -> ClosedFormHead.queryLoss(xs, ys, xq, yq, lp).loss();
    double worst = 0;
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < d; j++) {
        worst = Math.max(worst, Math.abs(centralDifference(xs[i], j, loss) - g.dSupport()[i][j]));
      }
    }
    for (int q = 0; q < m; q++) {
      for (int j = 0; j < d; j++) {
        worst = Math.max(worst, Math.abs(centralDifference(xq[q], j, loss) - g.dQuery()[q][j]));
      }
    }
    for (int j = 0; j < d; j++) {
      worst = Math.max(worst, Math.abs(centralDifference(lp, j, loss) - g.dLogPenalty()[j]));
    }
    assertTrue(worst < 1e-7, "largest gradient error " + worst);
    assertArrayEquals(ClosedFormHead.fit(xs, ys, lp).predict(xq), g.predictions(), 1e-12);
  }

  /**
   * With a prior mean w₀ the head shrinks towards w₀: its predictions equal the primal solve of
   * min ‖y − ȳ − X(w − ...)‖² + Σλ(w − w₀)², and every gradient (features, support targets, penalties, w₀) matches
   * central finite differences.
   */
  @Test
  void priorMeanGradientMatchesFiniteDifferencesAndThePrimalSolve() {
    SplittableRandom r = new SplittableRandom(8);
    int k = 6;
    int d = 4;
    int m = 5;
    double[][] xs = gaussian(r, k, d);
    double[] ys = gaussian(r, 1, k)[0];
    double[][] xq = gaussian(r, m, d);
    double[] yq = gaussian(r, 1, m)[0];
    double[] lp = logPenalties(r, d);
    double[] w0 = gaussian(r, 1, d)[0];
    ClosedFormHead.Gradient g = ClosedFormHead.queryLoss(xs, ys, xq, yq, lp, w0);
    java.util.function.DoubleSupplier loss = () -> ClosedFormHead.queryLoss(xs, ys, xq, yq, lp, w0).loss();
    double worst = 0;
    for (int i = 0; i < k; i++) {
      worst = Math.max(worst, Math.abs(centralDifference(ys, i, loss) - g.dSupportTargets()[i]));
      for (int j = 0; j < d; j++) {
        worst = Math.max(worst, Math.abs(centralDifference(xs[i], j, loss) - g.dSupport()[i][j]));
      }
    }
    for (int q = 0; q < m; q++) {
      worst = Math.max(worst, Math.abs(centralDifference(yq, q, loss) - g.dQueryTargets()[q]));
      for (int j = 0; j < d; j++) {
        worst = Math.max(worst, Math.abs(centralDifference(xq[q], j, loss) - g.dQuery()[q][j]));
      }
    }
    for (int j = 0; j < d; j++) {
      worst = Math.max(worst, Math.abs(centralDifference(lp, j, loss) - g.dLogPenalty()[j]));
      worst = Math.max(worst, Math.abs(centralDifference(w0, j, loss) - g.dPriorMean()[j]));
    }
    assertTrue(worst < 1e-7, "largest gradient error " + worst);
    // primal: centre on the support, w = w0 + (XcᵀXc + Λ)⁻¹ Xcᵀ (yc − Xc w0), intercept ȳ − x̄·w
    double[] mean = new double[d];
    for (double[] row : xs) {
      for (int j = 0; j < d; j++) {
        mean[j] += row[j] / k;
      }
    }
    double yMean = java.util.Arrays.stream(ys).average().orElseThrow();
    double[][] a = new double[d][d];
    double[] b = new double[d];
    for (int i = 0; i < k; i++) {
      double[] xc = new double[d];
      for (int j = 0; j < d; j++) {
        xc[j] = xs[i][j] - mean[j];
      }
      double res = ys[i] - yMean;
      for (int j = 0; j < d; j++) {
        res -= xc[j] * w0[j];
      }
      for (int j = 0; j < d; j++) {
        b[j] += xc[j] * res;
        for (int l = 0; l < d; l++) {
          a[j][l] += xc[j] * xc[l];
        }
      }
    }
    for (int j = 0; j < d; j++) {
      a[j][j] += Math.exp(lp[j]);
    }
    double[] delta = new org.apache.commons.math3.linear.LUDecomposition(
        new org.apache.commons.math3.linear.Array2DRowRealMatrix(a)).getSolver()
        .solve(new org.apache.commons.math3.linear.ArrayRealVector(b)).toArray();
    for (int q = 0; q < m; q++) {
      double p = yMean;
      for (int j = 0; j < d; j++) {
        p += (xq[q][j] - mean[j]) * (w0[j] + delta[j]);
      }
      assertEquals(p, g.predictions()[q], 1e-10, "query " + q);
    }
  }

  /** (f(v[j] + h) − f(v[j] − h)) / 2h, restoring v[j]. */
  /**
   * The MSE-plus-ranking query loss: its value equals the MSE plus the weighted RankNet term computed here pair by pair,
   * and its gradient (features, support targets, penalties, w₀) matches central finite differences; with weight 0
   * it is the MSE exactly.
   */
  @Test
  void rankingLossGradientMatchesFiniteDifferences() {
    SplittableRandom r = new SplittableRandom(11);
    int k = 7;
    int d = 4;
    int m = 6;
    double[][] xs = gaussian(r, k, d);
    double[] ys = gaussian(r, 1, k)[0];
    double[][] xq = gaussian(r, m, d);
    double[] yq = gaussian(r, 1, m)[0];
    double[] lp = logPenalties(r, d);
    double[] w0 = gaussian(r, 1, d)[0];
    double weight = 0.7;
    ClosedFormHead.QueryLoss loss = ClosedFormHead.mseWithRanking(weight);
    ClosedFormHead.Gradient g = ClosedFormHead.queryLoss(xs, ys, xq, yq, lp, w0, loss);
    ClosedFormHead.Gradient mse = ClosedFormHead.queryLoss(xs, ys, xq, yq, lp, w0);
    assertArrayEquals(mse.predictions(), g.predictions(), 1e-12);
    double rank = 0;
    int pairs = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        if (yq[i] > yq[j]) {
          rank += Math.log(1 + Math.exp(-(g.predictions()[i] - g.predictions()[j])));
          pairs++;
        }
      }
    }
    assertEquals(mse.loss() + weight * rank / pairs, g.loss(), 1e-12);
    assertEquals(mse.loss(), ClosedFormHead.queryLoss(xs, ys, xq, yq, lp, w0, ClosedFormHead.mseWithRanking(0)).loss(),
        0.0);
    java.util.function.DoubleSupplier f = () -> ClosedFormHead.queryLoss(xs, ys, xq, yq, lp, w0, loss).loss();
    double worst = 0;
    for (int i = 0; i < k; i++) {
      worst = Math.max(worst, Math.abs(centralDifference(ys, i, f) - g.dSupportTargets()[i]));
      for (int j = 0; j < d; j++) {
        worst = Math.max(worst, Math.abs(centralDifference(xs[i], j, f) - g.dSupport()[i][j]));
      }
    }
    for (int q = 0; q < m; q++) {
      for (int j = 0; j < d; j++) {
        worst = Math.max(worst, Math.abs(centralDifference(xq[q], j, f) - g.dQuery()[q][j]));
      }
    }
    for (int j = 0; j < d; j++) {
      worst = Math.max(worst, Math.abs(centralDifference(lp, j, f) - g.dLogPenalty()[j]));
      worst = Math.max(worst, Math.abs(centralDifference(w0, j, f) - g.dPriorMean()[j]));
    }
    assertTrue(worst < 1e-7, "largest gradient error " + worst);
    // the ranking term moves the backbone differently from the MSE: the gradients are not the same
    assertTrue(Math.abs(g.dQuery()[0][0] - mse.dQuery()[0][0]) > 1e-6);
  }

  private static double centralDifference(double[] v, int j, java.util.function.DoubleSupplier f) {
    double h = 1e-6;
    double old = v[j];
    v[j] = old + h;
    double up = f.getAsDouble();
    v[j] = old - h;
    double down = f.getAsDouble();
    v[j] = old;
    return (up - down) / (2 * h);
  }

  @Test
  void recoversKnownWeightsAndItsIntervalsAreCalibrated() {
    SplittableRandom r = new SplittableRandom(4);
    int d = 4;
    double[] w = {1.5, -2.0, 0.5, 0.0};
    double sigma = 0.3;
    double[][] xs = gaussian(r, 400, d);
    double[] ys = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      ys[i] = 3 + sigma * r.nextGaussian();
      for (int j = 0; j < d; j++) {
        ys[i] += w[j] * xs[i][j];
      }
    }
    ClosedFormHead.Fit f = ClosedFormHead.fit(xs, ys, new double[] {-3, -3, -3, -3});
    assertArrayEquals(w, f.weights(), 0.05);
    assertEquals(sigma * sigma, f.noiseVariance(), 0.02);
    double[][] xq = gaussian(r, 2000, d);
    double[] mu = f.predict(xq);
    double[] var = f.variance(xq);
    int inside = 0;
    for (int q = 0; q < xq.length; q++) {
      double y = 3 + sigma * r.nextGaussian();
      for (int j = 0; j < d; j++) {
        y += w[j] * xq[q][j];
      }
      inside += Math.abs(y - mu[q]) <= 1.2816 * Math.sqrt(var[q]) ? 1 : 0; // central 80 %
    }
    double coverage = inside / (double) xq.length;
    assertTrue(coverage > 0.76 && coverage < 0.84, "80 % interval coverage " + coverage);
  }

  @Test
  void looChoosesAStrongPenaltyForANoiseBlockAndAWeakOneForTheSignal() {
    SplittableRandom r = new SplittableRandom(5);
    int k = 40;
    double[][] xs = gaussian(r, k, 10); // columns 0-1: signal block; 2-9: noise block
    double[] ys = new double[k];
    for (int i = 0; i < k; i++) {
      ys[i] = 2 * xs[i][0] - xs[i][1] + 0.2 * r.nextGaussian();
    }
    int[] block = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    double[] grid = {-6, -3, 0, 3, 6};
    double[] lp = ClosedFormHead.chooseByLoo(xs, ys, new double[10], block, grid);
    assertTrue(lp[0] < lp[2], "signal block penalised less than the noise block: " + lp[0] + " vs " + lp[2]);
  }
}
