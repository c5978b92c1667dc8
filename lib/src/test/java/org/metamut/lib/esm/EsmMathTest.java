package org.metamut.lib.esm;

import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernels against independent computations. */
class EsmMathTest {

  @Test
  void erfMatchesCommonsMath() {
    for (double z = -7; z <= 7; z += 0.0137) {
      assertEquals(Erf.erf(z), EsmMath.erf(z), Math.abs(z) < 1 ? 1e-15 : 1e-10, "erf(" + z + ")");
    }
    assertEquals(0.0, EsmMath.erf(0.0));
  }

  @Test
  void geluIsTheErfFormNotTheTanhApproximation() {
    float[] x = {-3f, -1f, 0f, 0.5f, 2f};
    float[] g = x.clone();
    EsmMath.gelu(g, g.length);
    for (int i = 0; i < x.length; i++) {
      double exact = 0.5 * x[i] * (1 + Erf.erf(x[i] / Math.sqrt(2)));
      assertEquals(exact, g[i], 1e-7);
    }
    // the tanh approximation differs from the exact GELU at -3 by ~3e-4: the tolerance above tells them apart
    double tanh = 0.5 * -3 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (-3 + 0.044715 * -27)));
    assertEquals(true, Math.abs(tanh - g[0]) > 1e-4);
  }

  @Test
  void linearIsAMatrixProductOnOutInWeights() {
    float[] x = {1, 2, 3, 4, 5, 6}; // 2 rows × 3
    float[] w = {1, 0, -1, 2, 1, 0}; // 2 out × 3 in
    float[] out = new float[4];
    EsmMath.linear(x, 2, 3, w, new float[] {10, 20}, 2, out);
    assertEquals(10 + 1 - 3, out[0]);
    assertEquals(20 + 2 + 2, out[1]);
    assertEquals(10 + 4 - 6, out[2]);
    assertEquals(20 + 8 + 5, out[3]);
  }
}
