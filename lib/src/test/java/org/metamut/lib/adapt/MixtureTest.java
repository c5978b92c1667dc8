package org.metamut.lib.adapt;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The equal-weight mixture against exact small cases. */
class MixtureTest {

  /**
   * N(0, 1) and N(2, 1) mixed half and half: mean 1, variance E[σ²] + Var[μ] = 1 + 1; N(5, 3) and N(5, 4): mean 5,
   * variance (9 + 16) / 2, the members agreeing on the mean.
   */
  @Test
  void meanAndSdOfExactCases() {
    Mixture m = new Mixture(2, 2);
    m.add(new double[] {0, 5}, new double[] {1, 3});
    m.add(new double[] {2, 5}, new double[] {1, 4});
    assertArrayEquals(new double[] {1, 5}, m.mean(), 1e-15);
    assertArrayEquals(new double[] {Math.sqrt(2), Math.sqrt(12.5)}, m.sd(), 1e-12);
  }

  /**
   * Three members against the mixture's moments computed by sampling-free quadrature of its density on a fine grid.
   */
  @Test
  void sdEqualsTheMixtureDensitysOwn() {
    double[] mu = {-1.0, 0.5, 3.0};
    double[] sigma = {0.5, 2.0, 1.0};
    Mixture m = new Mixture(3, 1);
    for (int i = 0; i < 3; i++) {
      m.add(new double[] {mu[i]}, new double[] {sigma[i]});
    }
    double h = 1e-3;
    double mass = 0;
    double first = 0;
    double second = 0;
    for (double x = -30; x <= 30; x += h) {
      double p = 0;
      for (int i = 0; i < 3; i++) {
        double z = (x - mu[i]) / sigma[i];
        p += Math.exp(-0.5 * z * z) / (sigma[i] * Math.sqrt(2 * Math.PI)) / 3;
      }
      mass += p * h;
      first += x * p * h;
      second += x * x * p * h;
    }
    assertEquals(1.0, mass, 1e-6);
    assertEquals(first, m.mean()[0], 1e-6);
    assertEquals(Math.sqrt(second - first * first), m.sd()[0], 1e-6);
  }

  @Test
  void aMemberWithoutSdLeavesTheMixtureWithoutAndCountsAreChecked() {
    Mixture m = new Mixture(2, 1);
    m.add(new double[] {1}, new double[] {1});
    assertThrows(IllegalStateException.class, m::mean);
    m.add(new double[] {3}, null);
    assertEquals(2.0, m.mean()[0], 0.0);
    assertNull(m.sd());
    assertThrows(IllegalStateException.class, () -> m.add(new double[] {0}, null));
  }
}
