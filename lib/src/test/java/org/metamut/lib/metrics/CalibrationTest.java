package org.metamut.lib.metrics;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationTest {

  @Test
  void nllIsTheHandComputedGaussianLogDensity() {
    double[] y = {1.0, -2.0};
    double[] mu = {0.5, -1.0};
    double[] sd = {2.0, 0.5};
    // point 1: ½ln(2π·4) + 0.25/8;  point 2: ½ln(2π·0.25) + 1/0.5
    double expected = (0.5 * Math.log(8 * Math.PI) + 0.03125 + 0.5 * Math.log(0.5 * Math.PI) + 2.0) / 2;
    assertEquals(expected, Calibration.gaussianNll(y, mu, sd), 1e-12);
    assertEquals(1.9345635332046727, expected, 1e-12); // the same number written out
  }

  @Test
  void coverageCountsThePointsInsideTheCentralInterval() {
    assertEquals(1.2815515655446004, Calibration.z(0.8), 1e-12);
    double[] y = {0, 1.28, 1.29, -1.28, -3};
    double[] mu = new double[5];
    double[] sd = {1, 1, 1, 1, 1};
    assertEquals(3 / 5.0, Calibration.coverage(y, mu, sd, 0.8), 0.0);
  }

  @Test
  void aCorrectGaussianCoversEightyPercent() {
    SplittableRandom r = new SplittableRandom(3);
    int n = 20_000;
    double[] y = new double[n];
    double[] mu = new double[n];
    double[] sd = new double[n];
    for (int i = 0; i < n; i++) {
      mu[i] = r.nextGaussian();
      sd[i] = 0.1 + r.nextDouble();
      y[i] = mu[i] + sd[i] * r.nextGaussian();
    }
    // binomial SE at n = 20,000 is 0.0028: ±0.01 is over 3 SE
    assertEquals(0.8, Calibration.coverage(y, mu, sd, 0.8), 0.01);
  }

  @Test
  void noUsableSdAddsNothing() {
    Map<Metric, Double> m = new EnumMap<>(Metric.class);
    Calibration.addTo(m, new double[] {1, 2}, new double[] {1, 2}, null);
    Calibration.addTo(m, new double[] {1, 2}, new double[] {1, 2}, new double[] {1, Double.NaN});
    Calibration.addTo(m, new double[] {1, 2}, new double[] {1, 2}, new double[0]);
    assertTrue(m.isEmpty());
    Calibration.addTo(m, new double[] {1, 2}, new double[] {1, 2}, new double[] {1, 1});
    assertEquals(1.0, m.get(Metric.COVERAGE80));
    assertFalse(Double.isNaN(m.get(Metric.NLL)));
    assertThrows(IllegalArgumentException.class, () -> Calibration.gaussianNll(new double[] {1}, new double[] {1},
        new double[] {0}));
  }
}
