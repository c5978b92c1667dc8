package org.metamut.lib.metrics;

import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Calibration of a Gaussian predictive distribution N(μᵢ, sdᵢ²) on observed values yᵢ:
 * <ul>
 *   <li>coverage of the central {@code level} interval: the fraction of i with |yᵢ − μᵢ| ≤ z·sdᵢ,
 *       z = Φ⁻¹((1 + level)/2) (1.2816 for 80 %);
 *   <li>mean negative log-likelihood: mean over i of ½ ln(2π sdᵢ²) + (yᵢ − μᵢ)² / (2 sdᵢ²), in the units of y
 *       (nats; it shifts by ln c when y is scaled by c, so compare methods on the same task values).
 * </ul>
 * A well-calibrated 80 % interval covers about 80 % of the values; a lower NLL is a better distribution.
 */
public final class Calibration {

  /** The central interval of the evaluation report's {@link Metric#COVERAGE80}. */
  public static final double LEVEL = 0.8;

  private Calibration() {}

  /** Half-width of the central {@code level} interval in standard deviations. */
  public static double z(double level) {
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException("interval level must be in (0, 1), got " + level);
    }
    return new NormalDistribution().inverseCumulativeProbability((1 + level) / 2);
  }

  public static double coverage(double[] y, double[] mean, double[] sd, double level) {
    check("coverage", y, mean, sd);
    double z = z(level);
    int inside = 0;
    for (int i = 0; i < y.length; i++) {
      inside += Math.abs(y[i] - mean[i]) <= z * sd[i] ? 1 : 0;
    }
    return (double) inside / y.length;
  }

  public static double gaussianNll(double[] y, double[] mean, double[] sd) {
    check("nll", y, mean, sd);
    double sum = 0;
    for (int i = 0; i < y.length; i++) {
      double v = sd[i] * sd[i];
      double e = y[i] - mean[i];
      sum += 0.5 * Math.log(2 * Math.PI * v) + e * e / (2 * v);
    }
    return sum / y.length;
  }

  /**
   * Adds {@link Metric#COVERAGE80} and {@link Metric#NLL} to {@code metrics} when {@code sd} is usable: not null
   * (the method has no uncertainty) and every value finite and &gt; 0 (else the support could not estimate the noise,
   * e.g. one example). Otherwise adds nothing: no uncertainty is reported rather than a made-up one.
   */
  public static void addTo(Map<Metric, Double> metrics, double[] y, double[] mean, double[] sd) {
    if (!usable(sd)) {
      return;
    }
    metrics.put(Metric.COVERAGE80, coverage(y, mean, sd, LEVEL));
    metrics.put(Metric.NLL, gaussianNll(y, mean, sd));
  }

  /** True when {@code sd} is present and every value is finite and &gt; 0. */
  public static boolean usable(double[] sd) {
    if (sd == null || sd.length == 0) {
      return false;
    }
    for (double s : sd) {
      if (!(s > 0) || !Double.isFinite(s)) {
        return false;
      }
    }
    return true;
  }

  private static void check(String what, double[] y, double[] mean, double[] sd) {
    if (y.length != mean.length || y.length != sd.length) {
      throw new IllegalArgumentException(what + ": " + y.length + " values, " + mean.length + " means, " + sd.length
          + " standard deviations");
    }
    if (y.length == 0) {
      throw new IllegalArgumentException(what + ": no values");
    }
    for (int i = 0; i < y.length; i++) {
      if (!Double.isFinite(y[i]) || !Double.isFinite(mean[i]) || !(sd[i] > 0) || !Double.isFinite(sd[i])) {
        throw new IllegalArgumentException(what + ": index " + i + " has value " + y[i] + ", mean " + mean[i] + ", sd "
            + sd[i] + " (finite values and sd > 0 needed)");
      }
    }
  }
}
