package org.metamut.lib.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  private static double[] sample(int n, long seed) {
    Random r = new Random(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = 3 + 2 * r.nextGaussian();
    }
    return x;
  }

  @Test
  void sameSeedSameIntervalOtherSeedOtherInterval() {
    double[] x = sample(30, 1);
    Interval a = new Bootstrap(1000, 0.95, 7).mean(x);
    Interval b = new Bootstrap(1000, 0.95, 7).mean(x);
    Interval c = new Bootstrap(1000, 0.95, 8).mean(x);
    assertEquals(a, b);
    assertNotEquals(a.lower(), c.lower());
  }

  @Test
  void containsThePointEstimateAndHasAboutTheNormalWidth() {
    double[] x = sample(50, 2);
    Interval ci = new Bootstrap(4000, 0.95, 3).mean(x);
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= x.length;
    assertEquals(mean, ci.estimate(), 1e-12);
    assertTrue(ci.contains(mean), ci.toString());
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean);
    }
    double se = Math.sqrt(var / x.length) / Math.sqrt(x.length);
    double width = ci.upper() - ci.lower();
    assertEquals(2 * 1.96 * se, width, 0.2 * width, "percentile width ~ normal width for a mean of 50");
    assertEquals(4000, ci.valid());
  }

  @Test
  void constantDataGivesADegenerateInterval() {
    Interval ci = new Bootstrap(200, 0.9, 1).mean(new double[] {2.5, 2.5, 2.5});
    assertEquals(2.5, ci.lower(), 1e-12);
    assertEquals(2.5, ci.upper(), 1e-12);
  }

  @Test
  void hierarchicalPointEstimateIsMeanOverTasksOfMeanOverSeeds() {
    double[][] v = {{1, 3}, {10}, {4, 5, 6}};
    Interval ci = new Bootstrap(500, 0.95, 4).hierarchical(new int[] {2, 1, 3}, Bootstrap.weightedMean(v));
    assertEquals((2.0 + 10.0 + 5.0) / 3, ci.estimate(), 1e-12);
    assertTrue(ci.contains(ci.estimate()));
    assertTrue(ci.lower() >= 1 && ci.upper() <= 10, ci.toString());
  }

  @Test
  void pairedRelativeChangeOfAProportionalMethodHasNoSpread() {
    // method a is exactly 1.2 x method b on every cell: every paired replicate is +20%
    double[][] b = {{1, 2}, {3, 4}, {5, 7}};
    double[][] a = {{1.2, 2.4}, {3.6, 4.8}, {6.0, 8.4}};
    Interval ci = new Bootstrap(300, 0.95, 5).hierarchical(new int[] {2, 2, 2}, Bootstrap.relativeChange(a, b));
    assertEquals(0.2, ci.estimate(), 1e-12);
    assertEquals(0.2, ci.lower(), 1e-12);
    assertEquals(0.2, ci.upper(), 1e-12);
  }

  @Test
  void zeroDenominatorReplicatesAreDroppedAndCounted() {
    double[][] b = {{0}, {0}};
    double[][] a = {{1}, {2}};
    Interval ci = new Bootstrap(50, 0.95, 5).hierarchical(new int[] {1, 1}, Bootstrap.relativeChange(a, b));
    assertEquals(0, ci.valid());
    assertTrue(Double.isNaN(ci.lower()));
  }
}
