package org.metamut.lib.optim;

/** Global L2-norm clipping: if ‖g‖ &gt; maxNorm, g is scaled by maxNorm/‖g‖ (direction kept). */
public final class GradientClipping {
  private GradientClipping() {
  }

  /** The L2 norm, summed in index order. */
  public static double norm(double[] g) {
    double s = 0;
    for (double x : g) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  /**
   * Clips {@code g} in place to norm {@code maxNorm} ({@code maxNorm <= 0} disables clipping); returns the
   * norm before clipping.
   */
  public static double clipInPlace(double[] g, double maxNorm) {
    double n = norm(g);
    if (maxNorm > 0 && n > maxNorm) {
      double s = maxNorm / n;
      for (int i = 0; i < g.length; i++) {
        g[i] *= s;
      }
    }
    return n;
  }
}
