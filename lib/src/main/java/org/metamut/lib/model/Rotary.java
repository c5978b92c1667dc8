package org.metamut.lib.model;

/**
 * Rotary position embeddings as ESM-2 applies them (fair-esm's {@code RotaryEmbedding}, RoFormer's "rotate half"
 * form): within each head of size {@code D}, element {@code j < D/2} and element {@code j + D/2} of the query (and of
 * the key) at position {@code t} are rotated by the angle {@code t·f_j},
 * <pre>  x'_j = x_j·cos − x_{j+D/2}·sin,   x'_{j+D/2} = x_{j+D/2}·cos + x_j·sin,</pre>
 * with {@code f_j = 1/10000^(2j/D)}. The backward pass is the transpose (the rotation by −angle). Positions are the
 * token indices of the padded batch row, so right-padding leaves the real tokens' positions unchanged.
 *
 * <p>The tables reproduce the reference's float32 arithmetic: the frequencies are float32 values (optionally rounded
 * to half precision, {@link ModelSpec.Positional#ROTARY_FP16}) and the angle is their float32 product with the
 * position; cos and sin of that angle are then taken in double.
 */
public final class Rotary {

  private Rotary() {
  }

  /**
   * The rotary frequencies of one head of size {@code headDim} for a rotary {@code positional}: float32
   * {@code 1/10000^(2j/headDim)} as torch computes them, rounded to IEEE half precision for {@code ROTARY_FP16}.
   */
  public static float[] invFreq(ModelSpec.Positional positional, int headDim) {
    if (!positional.rotary()) {
      throw new IllegalArgumentException(positional + " positions have no rotary frequencies");
    }
    float[] f = new float[headDim / 2];
    for (int j = 0; j < f.length; j++) {
      float exponent = (2f * j) / headDim;
      float v = 1f / (float) Math.pow(10000.0, exponent);
      f[j] = positional == ModelSpec.Positional.ROTARY_FP16 ? toHalf(v) : v;
    }
    return f;
  }

  /**
   * {@code v} rounded to the nearest IEEE binary16 value (ties to even), for normal half-precision magnitudes
   * (the frequencies lie in (1e-4, 1], well inside the normal range from 6.1e-5); Java 17 has no float16 conversion.
   */
  static float toHalf(float v) {
    if (v == 0f || Float.isNaN(v) || Float.isInfinite(v)) {
      return v;
    }
    int e = Math.getExponent(v);
    if (e < -14 || e > 15) {
      throw new IllegalArgumentException(v + " is outside half precision's normal range");
    }
    double ulp = Math.scalb(1.0, e - 10);
    return (float) (Math.rint(v / ulp) * ulp);
  }

  /** cos of the angles, {@code [maxLen][headDim/2]} row-major. */
  static double[] cosTable(ModelSpec spec) {
    return table(spec, true);
  }

  /** sin of the angles, {@code [maxLen][headDim/2]} row-major. */
  static double[] sinTable(ModelSpec spec) {
    return table(spec, false);
  }

  private static double[] table(ModelSpec spec, boolean cos) {
    float[] f = invFreq(spec.positional(), spec.headDim());
    int half = f.length;
    double[] out = new double[spec.maxLen() * half];
    for (int t = 0; t < spec.maxLen(); t++) {
      for (int j = 0; j < half; j++) {
        float angle = (float) t * f[j]; // float32 product, as the reference builds its table
        out[t * half + j] = cos ? Math.cos(angle) : Math.sin(angle);
      }
    }
    return out;
  }

  /**
   * Rotates, in place, {@code rows} consecutive head vectors of size {@code 2·half} stored contiguously in {@code x}
   * from {@code offset}, row r being at position {@code r % t} ({@code [·, T, D]} layout); {@code sign} = +1 forward,
   * −1 for the transposed (backward) rotation.
   */
  static void apply(double[] x, int offset, int rows, int t, int half, double[] cos, double[] sin, double sign) {
    int dh = 2 * half;
    for (int r = 0; r < rows; r++) {
      int base = offset + r * dh;
      int tb = (r % t) * half;
      for (int j = 0; j < half; j++) {
        double c = cos[tb + j];
        double s = sign * sin[tb + j];
        double a = x[base + j];
        double b = x[base + j + half];
        x[base + j] = a * c - b * s;
        x[base + j + half] = b * c + a * s;
      }
    }
  }

  /** The same on floats (the vector kernels' heads), computed in double as the double form does. */
  static void apply(float[] x, int offset, int rows, int t, int half, double[] cos, double[] sin, double sign) {
    int dh = 2 * half;
    for (int r = 0; r < rows; r++) {
      int base = offset + r * dh;
      int tb = (r % t) * half;
      for (int j = 0; j < half; j++) {
        double c = cos[tb + j];
        double s = sign * sin[tb + j];
        double a = x[base + j];
        double b = x[base + j + half];
        x[base + j] = (float) (a * c - b * s);
        x[base + j + half] = (float) (b * c + a * s);
      }
    }
  }
}
