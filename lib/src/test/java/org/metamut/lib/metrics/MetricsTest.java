package org.metamut.lib.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every metric against values computed by hand (worked in the comments). */
class MetricsTest {

  private static final double EPS = 1e-12;

  @Test
  void tiesGetAverageRanks() {
    assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Metrics.averageRanks(new double[] {10, 20, 20, 30}), EPS);
    assertArrayEquals(new double[] {2, 2, 2}, Metrics.averageRanks(new double[] {5, 5, 5}), EPS);
    assertArrayEquals(new double[] {3, 1, 2}, Metrics.averageRanks(new double[] {0.3, -1, 0}), EPS);
  }

  @Test
  void spearmanWithTiesByHand() {
    // ranks y = 1, 2.5, 2.5, 4; ranks p = 1, 3, 2, 4; centred: (-1.5, 0, 0, 1.5), (-1.5, .5, -.5, 1.5)
    // sum of products 4.5, sums of squares 4.5 and 5 -> rho = 4.5 / sqrt(22.5) = sqrt(0.9)
    assertEquals(Math.sqrt(0.9), Metrics.spearman(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4}), EPS);
  }

  @Test
  void spearmanWithoutTiesMatchesTheDSquaredFormula() {
    // d = -1, 1, -1, 1, 0 -> 1 - 6*4 / (5*24) = 0.8
    assertEquals(0.8, Metrics.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {2, 1, 4, 3, 5}), EPS);
    assertEquals(1.0, Metrics.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {1, 4, 9, 16, 25}), EPS);
    assertEquals(-1.0, Metrics.spearman(new double[] {1, 2, 3, 4}, new double[] {9, 7, 3, -2}), EPS);
  }

  @Test
  void pearsonByHand() {
    // centred x = -1, 0, 1; y = -1, 1, 0 -> 1 / sqrt(2*2)
    assertEquals(0.5, Metrics.pearson(new double[] {1, 2, 3}, new double[] {1, 3, 2}), EPS);
    assertEquals(1.0, Metrics.pearson(new double[] {1, 2, 3}, new double[] {10, 20, 30}), EPS);
  }

  @Test
  void correlationsOfAConstantAreUndefined() {
    assertTrue(Double.isNaN(Metrics.spearman(new double[] {1, 2, 3}, new double[] {4, 4, 4})));
    assertTrue(Double.isNaN(Metrics.pearson(new double[] {2, 2, 2}, new double[] {1, 2, 3})));
  }

  @Test
  void rmseAndR2ByHand() {
    // residuals -1, 0, -2 -> sqrt(5/3); SS_tot around 2 = 2 -> R2 = 1 - 5/2
    double[] y = {1, 2, 3};
    double[] p = {2, 2, 5};
    assertEquals(Math.sqrt(5.0 / 3.0), Metrics.rmse(y, p), EPS);
    assertEquals(-1.5, Metrics.r2(y, p), EPS);
    // SS_res = .25 + .25, SS_tot = 2.25 + .25 + .25 + 2.25 -> 1 - .5/5
    assertEquals(0.9, Metrics.r2(new double[] {1, 2, 3, 4}, new double[] {1.5, 2, 3, 3.5}), EPS);
    assertTrue(Double.isNaN(Metrics.r2(new double[] {3, 3}, new double[] {1, 2})));
  }

  @Test
  void accuracyByHand() {
    assertEquals(0.75, Metrics.accuracy(new int[] {0, 1, 2, 1}, new int[] {0, 2, 2, 1}), EPS);
  }

  @Test
  void regressionBundlesTheFourMetrics() {
    Map<Metric, Double> m = Metrics.regression(new double[] {1, 2, 3}, new double[] {2, 2, 5});
    assertEquals(4, m.size());
    assertEquals(Math.sqrt(5.0 / 3.0), m.get(Metric.RMSE), EPS);
  }

  @Test
  void badInputIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Metrics.spearman(new double[] {1, 2}, new double[] {1, Double.NaN}));
    assertTrue(e.getMessage().contains("spearman: predicted value at index 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Metrics.rmse(new double[] {1, 2}, new double[] {1}));
    assertTrue(e.getMessage().contains("rmse"), e.getMessage());
    assertEquals(Metric.R2, Metric.ofKey("r2"));
    assertThrows(IllegalArgumentException.class, () -> Metric.ofKey("auc"));
  }
}
