package org.metamut.lib.baseline;

import java.io.Serializable;

/**
 * Target z-scoring fitted on the <b>support</b> values only: {@code z = (y − mean) / scale}, with the
 * sample standard deviation (n − 1 in the denominator) as the scale; with one value, or a constant
 * support, the scale is 1 so the transform stays defined. Apply the same instance to query predictions
 * with {@link #inverse}; never refit on query values.
 */
public record Standardizer(double mean, double scale) implements Serializable {

  public Standardizer {
    if (!Double.isFinite(mean) || !(scale > 0) || !Double.isFinite(scale)) {
      throw new IllegalArgumentException("standardizer needs a finite mean and a positive scale, got " + mean + ", " + scale);
    }
  }

  public static Standardizer fit(double[] supportY) {
    if (supportY.length == 0) {
      throw new IllegalArgumentException("standardizer: empty support set");
    }
    double mean = 0;
    for (int i = 0; i < supportY.length; i++) {
      if (!Double.isFinite(supportY[i])) {
        throw new IllegalArgumentException("standardizer: support value at index " + i + " is " + supportY[i]);
      }
      mean += supportY[i];
    }
    mean /= supportY.length;
    if (supportY.length == 1) {
      return new Standardizer(mean, 1);
    }
    double ss = 0;
    for (double v : supportY) {
      ss += (v - mean) * (v - mean);
    }
    double sd = Math.sqrt(ss / (supportY.length - 1));
    return new Standardizer(mean, sd > 0 ? sd : 1);
  }

  public double transform(double y) {
    return (y - mean) / scale;
  }

  public double inverse(double z) {
    return z * scale + mean;
  }

  public double[] transform(double[] y) {
    double[] out = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = transform(y[i]);
    }
    return out;
  }

  public double[] inverse(double[] z) {
    double[] out = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      out[i] = inverse(z[i]);
    }
    return out;
  }
}
