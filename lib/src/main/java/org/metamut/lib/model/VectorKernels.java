package org.metamut.lib.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The FLOAT model's softmax, its backward, GELU and its backward, LayerNorm and its backward, as SIMD loops over Java
 * float arrays (the Vector API of {@code jdk.incubator.vector}, 16 lanes with AVX-512), used by the
 * {@link HostKernels} when that module is in the JVM ({@link org.metamut.lib.backend.VectorApi#available()}).
 *
 * <p>Why: after the matmuls, these elementwise passes were most of a forward pass (softmax ~30 % of a scoring batch at
 * T = 64, GELU ~20 %, LayerNorm ~20 %, profiled). ND4J's softmax costs ~4.7 ns per element and the scalar Java loops
 * of {@link HostKernels} 3–7 ns; with the Vector API's {@code EXP} (Intel's SVML on x86) the softmax runs at ~1.6 ns
 * per element. Scalar Java cannot get there: C2 does not vectorise a loop holding {@code Math.exp} or the bit tricks of
 * a hand-written exp (measured 6–11 ns per element).
 *
 * <p>Every loop runs whole vectors of one species and finishes a row's remainder in scalar code. Why, profiled at
 * T = 40: JDK 17's masked stores are not intrinsified (they run {@code FloatVector.stOp}, a lambda per lane), and
 * both a second, narrower species for the remainder and a masked load made C2 give up the intrinsics of lane-wise code
 * elsewhere (the forward pass took 22–25 ms instead of 15).
 *
 * <p>Precision: float throughout, like the ND4J ops they replace (partial sums over 16 lanes). erf is Numerical
 * Recipes' erfc approximation, {@code t·exp(−x² + P(t))} with t = 1/(1 + x/2), fractional error below 1.2e-7, which
 * is float rounding; the DOUBLE model keeps the double kernels ({@link ErfTable}), so the gradient checks do not move.
 *
 * <p>Loaded only after {@link org.metamut.lib.backend.VectorApi#available()} said yes: its bytecode names
 * {@code jdk.incubator.vector} classes, which a JVM without the module cannot load.
 */
final class VectorKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int W = S.length();
  private static final float TWO_OVER_SQRT_PI = (float) (2.0 / Math.sqrt(Math.PI));
  private static final int FLUSH_ROWS = 32;

  private VectorKernels() {
  }

  /**
   * Row-wise softmax in place of {@code a + mask} over B blocks of {@code rowsPerExample} contiguous rows of
   * {@code len}: every row of block b gets the key mask {@code mask[b·len …]} added first (the attention scores of
   * example b, all heads and queries).
   */
  static void maskedSoftmax(float[] a, int nb, int rowsPerExample, int len, float[] mask) {
    for (int b = 0; b < nb; b++) {
      for (int r = 0; r < rowsPerExample; r++) {
        int off = (b * rowsPerExample + r) * len;
        float sum = expRow(a, off, len, addAndMax(a, off, len, mask, b * len));
        scaleRow(a, off, len, 1f / sum);
      }
    }
  }

  // The row passes are methods of their own: in one large method C2 ran out of inlining budget and its last vector
  // stores fell back to the Vector API's Java implementation (FloatVector.stOp, a lambda per lane; profiled).

  /** a ← a + mask over the row; returns its maximum. */
  private static float addAndMax(float[] a, int off, int len, float[] mask, int moff) {
    int whole = len - len % W;
    float max = Float.NEGATIVE_INFINITY;
    int k = 0;
    if (whole > 0) {
      FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
      for (; k < whole; k += W) {
        FloatVector v = FloatVector.fromArray(S, a, off + k).add(FloatVector.fromArray(S, mask, moff + k));
        v.intoArray(a, off + k);
        mv = mv.max(v);
      }
      max = mv.reduceLanes(VectorOperators.MAX);
    }
    for (; k < len; k++) {
      float v = a[off + k] + mask[moff + k];
      a[off + k] = v;
      max = v > max ? v : max;
    }
    return max;
  }

  /** a ← exp(a − max) over the row; returns the row's sum. */
  private static float expRow(float[] a, int off, int len, float max) {
    int whole = len - len % W;
    FloatVector sv = FloatVector.zero(S);
    int k = 0;
    for (; k < whole; k += W) {
      FloatVector e = FloatVector.fromArray(S, a, off + k).sub(max).lanewise(VectorOperators.EXP);
      e.intoArray(a, off + k);
      sv = sv.add(e);
    }
    float sum = sv.reduceLanes(VectorOperators.ADD);
    for (; k < len; k++) {
      float e = (float) Math.exp(a[off + k] - max);
      a[off + k] = e;
      sum += e;
    }
    return sum;
  }

  private static void scaleRow(float[] a, int off, int len, float c) {
    int whole = len - len % W;
    int k = 0;
    for (; k < whole; k += W) {
      FloatVector.fromArray(S, a, off + k).mul(c).intoArray(a, off + k);
    }
    for (; k < len; k++) {
      a[off + k] *= c;
    }
  }

  /** da ← a ∘ (da − Σ_k da∘a), row by row: the softmax's backward given its output a. */
  static void softmaxBackward(float[] da, float[] a, int rows, int len) {
    int whole = len - len % W;
    for (int r = 0; r < rows; r++) {
      int off = r * len;
      FloatVector dv = FloatVector.zero(S);
      int k = 0;
      for (; k < whole; k += W) {
        dv = FloatVector.fromArray(S, da, off + k).fma(FloatVector.fromArray(S, a, off + k), dv);
      }
      float dot = dv.reduceLanes(VectorOperators.ADD);
      for (; k < len; k++) {
        dot += da[off + k] * a[off + k];
      }
      for (k = 0; k < whole; k += W) {
        FloatVector av = FloatVector.fromArray(S, a, off + k);
        FloatVector.fromArray(S, da, off + k).sub(dot).mul(av).intoArray(da, off + k);
      }
      for (; k < len; k++) {
        da[off + k] = a[off + k] * (da[off + k] - dot);
      }
    }
  }

  /** u ← u·(1 + erf u) in place (√2·GELU(z) at u = z/√2), over the first {@code len} entries. */
  static void gelu(float[] u, int len) {
    int whole = len - len % W;
    int i = 0;
    for (; i < whole; i += W) {
      FloatVector x = FloatVector.fromArray(S, u, i);
      x.mul(onePlusErf(x)).intoArray(u, i);
    }
    for (; i < len; i++) {
      u[i] *= onePlusErf(u[i]);
    }
  }

  /** dg ← dg·(1 + erf u + u·(2/√π)·e^(−u²)) in place: GELU's backward (as {@link ErfTable#geluSlope}). */
  static void geluBackward(float[] u, float[] dg, int len) {
    int whole = len - len % W;
    int i = 0;
    for (; i < whole; i += W) {
      FloatVector x = FloatVector.fromArray(S, u, i);
      FloatVector gauss = x.mul(x).neg().lanewise(VectorOperators.EXP).mul(TWO_OVER_SQRT_PI);
      FloatVector slope = onePlusErf(x).add(x.mul(gauss));
      FloatVector.fromArray(S, dg, i).mul(slope).intoArray(dg, i);
    }
    for (; i < len; i++) {
      float x = u[i];
      dg[i] *= onePlusErf(x) + x * TWO_OVER_SQRT_PI * (float) Math.exp(-x * x);
    }
  }

  /**
   * 1 + erf(x) from erfc(|x|) = t·exp(−x² + P(t)), t = 1/(1 + |x|/2) (Numerical Recipes' erfcc, fractional error
   * < 1.2e-7): 2 − erfc(|x|) for x ≥ 0 and erfc(|x|) for x &lt; 0, so there is no cancellation on either side.
   */
  private static FloatVector onePlusErf(FloatVector x) {
    FloatVector a = x.abs();
    FloatVector t = FloatVector.broadcast(S, 1f).div(a.mul(0.5f).add(1f));
    FloatVector p = t.mul(0.17087277f).add(-0.82215223f);
    p = p.fma(t, FloatVector.broadcast(S, 1.48851587f));
    p = p.fma(t, FloatVector.broadcast(S, -1.13520398f));
    p = p.fma(t, FloatVector.broadcast(S, 0.27886807f));
    p = p.fma(t, FloatVector.broadcast(S, -0.18628806f));
    p = p.fma(t, FloatVector.broadcast(S, 0.09678418f));
    p = p.fma(t, FloatVector.broadcast(S, 0.37409196f));
    p = p.fma(t, FloatVector.broadcast(S, 1.00002368f));
    p = p.fma(t, FloatVector.broadcast(S, -1.26551223f));
    FloatVector erfc = t.mul(p.sub(a.mul(a)).lanewise(VectorOperators.EXP));
    return erfc.neg().add(2f).blend(erfc, x.lt(0f));
  }

  /** The same as the vector form, for the remainders. */
  private static float onePlusErf(float x) {
    float a = Math.abs(x);
    float t = 1f / (1f + 0.5f * a);
    float p = t * 0.17087277f - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float erfc = t * (float) Math.exp(p - a * a);
    return x < 0 ? erfc : 2f - erfc;
  }

  /**
   * LayerNorm of {@code n} rows of {@code d}: out (row stride {@code outStride}) = x̂·γ + β with γ, β the float
   * parameters; keeps x̂ and 1/σ per row for the backward.
   */
  static void layerNorm(float[] x, int n, int d, float[] gamma, float[] beta, float[] out, int outStride,
                        float[] xhat, float[] rstd, float eps) {
    for (int r = 0; r < n; r++) {
      int base = r * d;
      float mu = rowSum(x, base, d) / d;
      float rs = (float) (1.0 / Math.sqrt(rowSquares(x, base, d, mu) / d + eps));
      rstd[r] = rs;
      normaliseRow(x, base, d, mu, rs, gamma, beta, xhat, out, r * outStride);
    }
  }

  private static float rowSum(float[] x, int off, int d) {
    int whole = d - d % W;
    FloatVector sv = FloatVector.zero(S);
    int j = 0;
    for (; j < whole; j += W) {
      sv = sv.add(FloatVector.fromArray(S, x, off + j));
    }
    float sum = sv.reduceLanes(VectorOperators.ADD);
    for (; j < d; j++) {
      sum += x[off + j];
    }
    return sum;
  }

  /** Σ (x − mu)² over the row. */
  private static float rowSquares(float[] x, int off, int d, float mu) {
    int whole = d - d % W;
    FloatVector qv = FloatVector.zero(S);
    int j = 0;
    for (; j < whole; j += W) {
      FloatVector e = FloatVector.fromArray(S, x, off + j).sub(mu);
      qv = e.fma(e, qv);
    }
    float q = qv.reduceLanes(VectorOperators.ADD);
    for (; j < d; j++) {
      float e = x[off + j] - mu;
      q += e * e;
    }
    return q;
  }

  private static void normaliseRow(float[] x, int off, int d, float mu, float rs, float[] gamma, float[] beta,
                                   float[] xhat, float[] out, int outOff) {
    int whole = d - d % W;
    int j = 0;
    for (; j < whole; j += W) {
      FloatVector xh = FloatVector.fromArray(S, x, off + j).sub(mu).mul(rs);
      xh.intoArray(xhat, off + j);
      xh.fma(FloatVector.fromArray(S, gamma, j), FloatVector.fromArray(S, beta, j)).intoArray(out, outOff + j);
    }
    for (; j < d; j++) {
      float xh = (x[off + j] - mu) * rs;
      xhat[off + j] = xh;
      out[outOff + j] = xh * gamma[j] + beta[j];
    }
  }

  /**
   * LayerNorm's backward: adds ∂L/∂x = (dx̂ − mean(dx̂) − x̂·mean(dx̂∘x̂))/σ (dx̂ = dy∘γ) into dx and accumulates
   * ∂L/∂γ, ∂L/∂β into {@code grad} at gOff, bOff. Those column sums gather in float over blocks of
   * {@value #FLUSH_ROWS} rows ({@code acc}, 2d long) and then in double, so their rounding does not grow with N.
   */
  static void layerNormBackward(float[] dy, float[] dx, int n, int d, float[] gamma, float[] xhat, float[] rstd,
                                double[] grad, int gOff, int bOff, float[] acc) {
    java.util.Arrays.fill(acc, 0, 2 * d, 0f);
    float[] means = new float[2];
    for (int r = 0; r < n; r++) {
      int base = r * d;
      backwardSums(dy, xhat, base, d, gamma, acc, means);
      backwardRow(dy, dx, xhat, base, d, gamma, means[0] / d, means[1] / d, rstd[r]);
      if ((r + 1) % FLUSH_ROWS == 0 || r == n - 1) {
        for (int j = 0; j < d; j++) {
          grad[gOff + j] += acc[j];
          grad[bOff + j] += acc[d + j];
        }
        java.util.Arrays.fill(acc, 0, 2 * d, 0f);
      }
    }
  }

  /** Σ dx̂ and Σ dx̂∘x̂ of one row into sums[0], sums[1]; dy∘x̂ and dy added to acc (∂γ, then ∂β). */
  private static void backwardSums(float[] dy, float[] xhat, int off, int d, float[] gamma, float[] acc,
                                   float[] sums) {
    int whole = d - d % W;
    FloatVector m1v = FloatVector.zero(S);
    FloatVector m2v = FloatVector.zero(S);
    int j = 0;
    for (; j < whole; j += W) {
      FloatVector gy = FloatVector.fromArray(S, dy, off + j);
      FloatVector xh = FloatVector.fromArray(S, xhat, off + j);
      FloatVector dxh = gy.mul(FloatVector.fromArray(S, gamma, j));
      m1v = m1v.add(dxh);
      m2v = dxh.fma(xh, m2v);
      gy.fma(xh, FloatVector.fromArray(S, acc, j)).intoArray(acc, j);
      FloatVector.fromArray(S, acc, d + j).add(gy).intoArray(acc, d + j);
    }
    float m1 = m1v.reduceLanes(VectorOperators.ADD);
    float m2 = m2v.reduceLanes(VectorOperators.ADD);
    for (; j < d; j++) {
      float gy = dy[off + j];
      float xh = xhat[off + j];
      float dxh = gy * gamma[j];
      m1 += dxh;
      m2 += dxh * xh;
      acc[j] += gy * xh;
      acc[d + j] += gy;
    }
    sums[0] = m1;
    sums[1] = m2;
  }

  /** dx += (dy∘γ − m1 − x̂·m2)·rs over one row. */
  private static void backwardRow(float[] dy, float[] dx, float[] xhat, int off, int d, float[] gamma, float m1,
                                  float m2, float rs) {
    int whole = d - d % W;
    int j = 0;
    for (; j < whole; j += W) {
      FloatVector xh = FloatVector.fromArray(S, xhat, off + j);
      FloatVector dxh = FloatVector.fromArray(S, dy, off + j).mul(FloatVector.fromArray(S, gamma, j));
      FloatVector g = dxh.sub(m1).sub(xh.mul(m2)).mul(rs);
      FloatVector.fromArray(S, dx, off + j).add(g).intoArray(dx, off + j);
    }
    for (; j < d; j++) {
      dx[off + j] += (dy[off + j] * gamma[j] - m1 - xhat[off + j] * m2) * rs;
    }
  }
}
