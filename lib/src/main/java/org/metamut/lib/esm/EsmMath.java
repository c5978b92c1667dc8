package org.metamut.lib.esm;

/**
 * The float kernels of the ESM-2 forward pass as plain Java loops (see the package doc for why not ND4J ops):
 * linear layers on PyTorch-layout {@code [out, in]} weights, LayerNorm, the exact (erf) GELU, rotary embeddings,
 * softmax. Accumulations that decide accuracy (LayerNorm moments, softmax sums) run in double.
 */
final class EsmMath {
  private EsmMath() {
  }

  /** {@code out[t, o] = b[o] + Σ_i x[t, i] · w[o, i]} for {@code rows} rows; {@code w} is {@code [out, in]}. */
  static void linear(float[] x, int rows, int in, float[] w, float[] b, int outDim, float[] out) {
    for (int o = 0; o < outDim; o++) {
      int wo = o * in;
      float bias = b == null ? 0f : b[o];
      for (int t = 0; t < rows; t++) {
        out[t * outDim + o] = bias + dot(x, t * in, w, wo, in);
      }
    }
  }

  /** Dot product with four independent partial sums (lets the JIT pipeline the multiply-adds). */
  static float dot(float[] a, int ao, float[] b, int bo, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[ao + i] * b[bo + i];
      s1 += a[ao + i + 1] * b[bo + i + 1];
      s2 += a[ao + i + 2] * b[bo + i + 2];
      s3 += a[ao + i + 3] * b[bo + i + 3];
    }
    for (; i < n; i++) {
      s0 += a[ao + i] * b[bo + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** Row-wise LayerNorm of {@code x [rows, d]} into {@code out} (biased variance, like PyTorch). */
  static void layerNorm(float[] x, int rows, int d, float[] g, float[] b, double eps, float[] out) {
    for (int r = 0; r < rows; r++) {
      int base = r * d;
      double mu = 0;
      for (int j = 0; j < d; j++) {
        mu += x[base + j];
      }
      mu /= d;
      double var = 0;
      for (int j = 0; j < d; j++) {
        double e = x[base + j] - mu;
        var += e * e;
      }
      double rs = 1.0 / Math.sqrt(var / d + eps);
      for (int j = 0; j < d; j++) {
        out[base + j] = (float) ((x[base + j] - mu) * rs) * g[j] + b[j];
      }
    }
  }

  /** The exact GELU, x · Φ(x) = x/2 · (1 + erf(x/√2)), in place; not the tanh approximation. */
  static void gelu(float[] x, int n) {
    for (int i = 0; i < n; i++) {
      double v = x[i];
      x[i] = (float) (0.5 * v * (1 + erf(v * 0.7071067811865476)));
    }
  }

  private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

  /**
   * erf(z) to about 1e-11 absolute, far below float precision: the Maclaurin series for |z| < 4 (its largest term
   * near 4 is about 1e5, so double rounding costs ~1e-11 there and ~1e-16 near 0), the asymptotic expansion of erfc
   * beyond (relative error below 1e-7 at 4, on an erfc below 2e-8), ±1 past 6. Written here because Java has no erf and
   * commons-math's (via the incomplete gamma function) is slow for a GELU on every activation.
   */
  static double erf(double z) {
    double a = Math.abs(z);
    double r;
    if (a >= 6) {
      r = 1;
    } else if (a < 4) {
      double z2 = a * a;
      double term = a;
      double sum = a;
      for (int n = 1; n < 200; n++) {
        term *= -z2 / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
          break;
        }
      }
      r = TWO_OVER_SQRT_PI * sum;
    } else {
      double inv = 1 / (2 * a * a);
      double term = 1;
      double sum = 1;
      for (int n = 1; n <= 12; n++) {
        term *= -(2 * n - 1) * inv;
        sum += term;
      }
      r = 1 - Math.exp(-a * a) / (a * Math.sqrt(Math.PI)) * sum;
    }
    return z < 0 ? -r : r;
  }

  /**
   * Rotary embedding in place on {@code x [rows, heads·headDim]}, position = row: each head's first and second halves
   * are rotated pairwise by angle {@code position · invFreq[j]} (fair-esm's {@code rotate_half} layout).
   */
  static void rotary(float[] x, int rows, int heads, int headDim, float[] invFreq) {
    int half = headDim / 2;
    int d = heads * headDim;
    for (int t = 0; t < rows; t++) {
      for (int j = 0; j < half; j++) {
        float angle = t * invFreq[j]; // float32 product, as the reference computes its table
        float c = (float) Math.cos(angle);
        float s = (float) Math.sin(angle);
        for (int h = 0; h < heads; h++) {
          int i1 = t * d + h * headDim + j;
          int i2 = i1 + half;
          float a = x[i1];
          float b = x[i2];
          x[i1] = a * c - b * s;
          x[i2] = b * c + a * s;
        }
      }
    }
  }

  /** log-softmax of {@code x[off, off + n)} in double. */
  static double[] logSoftmax(float[] x, int off, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, x[off + i]);
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.exp(x[off + i] - max);
    }
    double lse = max + Math.log(sum);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = x[off + i] - lse;
    }
    return out;
  }
}
