package org.metamut.lib.model;

import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErfTableTest {

  @Test
  void erfAndTheGeluSlopeMatchDirectEvaluationToDoublePrecision() {
    SplittableRandom rng = new SplittableRandom(7);
    double maxErf = 0;
    double maxSlope = 0;
    for (int i = 0; i < 200_000; i++) {
      double x = rng.nextDouble(-7, 7);
      maxErf = Math.max(maxErf, Math.abs(ErfTable.erf(x) - Erf.erf(x)));
      double slope = 1 + Erf.erf(x) + x * 2 / Math.sqrt(Math.PI) * Math.exp(-x * x);
      maxSlope = Math.max(maxSlope, Math.abs(ErfTable.geluSlope(x) - slope));
    }
    assertTrue(maxErf < 2e-15, "erf max abs error " + maxErf); // Commons Math's own erf is accurate to ~1e-15
    assertTrue(maxSlope < 3e-15, "GELU slope max abs error " + maxSlope); // a few ulp of values up to ~2.1
  }

  @Test
  void knotsEndsAndSpecialValues() {
    assertEquals(0.0, ErfTable.erf(0.0));
    assertEquals(Erf.erf(0.5), ErfTable.erf(0.5), 1e-16);
    assertEquals(-Erf.erf(1.25), ErfTable.erf(-1.25), 1e-16);
    assertEquals(1.0, ErfTable.erf(6.0));
    assertEquals(-1.0, ErfTable.erf(Double.NEGATIVE_INFINITY));
    assertEquals(2.0, ErfTable.geluSlope(40.0));
    assertEquals(0.0, ErfTable.geluSlope(-40.0));
    assertEquals(1.0, ErfTable.geluSlope(0.0), 1e-16);
    assertTrue(Double.isNaN(ErfTable.erf(Double.NaN)));
    assertTrue(Double.isNaN(ErfTable.geluSlope(Double.NaN)));
    // continuity across a piece boundary
    double knot = 3.0 + 1.0 / 128;
    assertEquals(ErfTable.erf(Math.nextDown(knot)), ErfTable.erf(knot), 1e-15);
    // the slope is the derivative of u·(1 + erf u), by central differences
    for (double u : new double[] {-2.7, -0.3, 0.01, 0.9, 1.7, 4.2}) {
      double e = 1e-5;
      double fd = ((u + e) * (1 + ErfTable.erf(u + e)) - (u - e) * (1 + ErfTable.erf(u - e))) / (2 * e);
      assertEquals(fd, ErfTable.geluSlope(u), 1e-9, "u = " + u);
    }
  }
}
