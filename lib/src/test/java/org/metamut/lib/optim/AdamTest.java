package org.metamut.lib.optim;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamTest {

  @Test
  void twoStepsMatchHandComputation() {
    Adam adam = new Adam(2, 0.1, 0.9, 0.999, 1e-8, 0.0);
    double[] p = {1.0, -2.0};
    adam.step(p, new double[] {0.5, -4.0});
    // step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g|+eps) = ±0.1 (up to eps)
    assertEquals(1.0 - 0.1 * 0.5 / (0.5 + 1e-8), p[0], 1e-15);
    assertEquals(-2.0 + 0.1 * 4.0 / (4.0 + 1e-8), p[1], 1e-15);
    adam.step(p, new double[] {1.0, 0.0});
    double m = 0.9 * 0.05 + 0.1 * 1.0;
    double v = 0.999 * 0.001 * 0.25 + 0.001 * 1.0;
    double mh = m / (1 - 0.81);
    double vh = v / (1 - 0.999 * 0.999);
    assertEquals(1.0 - 0.1 * 0.5 / (0.5 + 1e-8) - 0.1 * mh / (Math.sqrt(vh) + 1e-8), p[0], 1e-14);
    assertEquals(2, adam.steps());
  }

  @Test
  void restoredStateContinuesBitForBit() {
    Adam a = Adam.standard(3, 0.01);
    double[] p = {0.1, 0.2, 0.3};
    a.step(p, new double[] {1, -2, 3});
    Map<String, double[]> st = a.state();
    double[] pCopy = p.clone();
    Adam b = Adam.standard(3, 0.01);
    b.restore(st);
    a.step(p, new double[] {0.5, 0.5, -0.5});
    b.step(pCopy, new double[] {0.5, 0.5, -0.5});
    assertArrayEquals(p, pCopy, 0.0);
  }

  @Test
  void rejectsNonFiniteGradientWithoutTouchingParams() {
    Adam a = Adam.standard(2, 0.01);
    double[] p = {1, 2};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.step(p, new double[] {0, Double.NaN}));
    assertTrue(e.getMessage().contains("index 1"), e.getMessage());
    assertArrayEquals(new double[] {1, 2}, p, 0.0);
  }

  @Test
  void clippingScalesToMaxNormAndKeepsDirection() {
    double[] g = {3, 4};
    assertEquals(5.0, GradientClipping.clipInPlace(g, 1.0), 0.0);
    assertArrayEquals(new double[] {0.6, 0.8}, g, 1e-15);
    double[] h = {3, 4};
    GradientClipping.clipInPlace(h, 0);
    assertArrayEquals(new double[] {3, 4}, h, 0.0);
  }

  @Test
  void sgdIsPlainDescent() {
    Sgd s = new Sgd(2, 0.5);
    double[] p = {1, 1};
    s.step(p, new double[] {2, -2});
    assertArrayEquals(new double[] {0, 2}, p, 0.0);
  }
}
