package org.metamut.lib.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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

  /** Row-wise softmax in place over {@code rows} contiguous rows of {@code len}. */
  static void softmax(float[] a, int rows, int len) {
    for (int r = 0; r < rows; r++) {
      int off = r * len;
      FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
      for (int k = 0; k < len; k += W) {
        VectorMask<Float> m = S.indexInRange(k, len);
        mv = mv.max(FloatVector.fromArray(S, a, off + k, m).blend(Float.NEGATIVE_INFINITY, m.not()));
      }
      float max = mv.reduceLanes(VectorOperators.MAX);
      FloatVector sv = FloatVector.zero(S);
      for (int k = 0; k < len; k += W) {
        VectorMask<Float> m = S.indexInRange(k, len);
        FloatVector e = FloatVector.fromArray(S, a, off + k, m).sub(max).lanewise(VectorOperators.EXP);
        e.intoArray(a, off + k, m);
        sv = sv.add(e, m);
      }
      float inv = 1f / sv.reduceLanes(VectorOperators.ADD);
      for (int k = 0; k < len; k += W) {
        VectorMask<Float> m = S.indexInRange(k, len);
        FloatVector.fromArray(S, a, off + k, m).mul(inv).intoArray(a, off + k, m);
      }
    }
  }

  /** da ← a ∘ (da − Σ_k da∘a), row by row: the softmax's backward given its output a. */
  static void softmaxBackward(float[] da, float[] a, int rows, int len) {
    for (int r = 0; r < rows; r++) {
      int off = r * len;
      FloatVector dv = FloatVector.zero(S);
      for (int k = 0; k < len; k += W) {
        VectorMask<Float> m = S.indexInRange(k, len);
        dv = FloatVector.fromArray(S, da, off + k, m).fma(FloatVector.fromArray(S, a, off + k, m), dv);
      }
      float dot = dv.reduceLanes(VectorOperators.ADD);
      for (int k = 0; k < len; k += W) {
        VectorMask<Float> m = S.indexInRange(k, len);
        FloatVector av = FloatVector.fromArray(S, a, off + k, m);
        FloatVector.fromArray(S, da, off + k, m).sub(dot).mul(av).intoArray(da, off + k, m);
      }
    }
  }

  /** u ← u·(1 + erf u) in place (√2·GELU(z) at u = z/√2), over the first {@code len} entries. */
  static void gelu(float[] u, int len) {
    for (int i = 0; i < len; i += W) {
      VectorMask<Float> m = S.indexInRange(i, len);
      FloatVector x = FloatVector.fromArray(S, u, i, m);
      x.mul(onePlusErf(x)).intoArray(u, i, m);
    }
  }

  /** dg ← dg·(1 + erf u + u·(2/√π)·e^(−u²)) in place: GELU's backward (as {@link ErfTable#geluSlope}). */
  static void geluBackward(float[] u, float[] dg, int len) {
    for (int i = 0; i < len; i += W) {
      VectorMask<Float> m = S.indexInRange(i, len);
      FloatVector x = FloatVector.fromArray(S, u, i, m);
      FloatVector gauss = x.mul(x).neg().lanewise(VectorOperators.EXP).mul(TWO_OVER_SQRT_PI);
      FloatVector slope = onePlusErf(x).add(x.mul(gauss));
      FloatVector.fromArray(S, dg, i, m).mul(slope).intoArray(dg, i, m);
    }
  }

  /**
   * 1 + erf(x) from erfc(|x|) = t·exp(−x² + P(t)), t = 1/(1 + |x|/2) (Numerical Recipes' erfcc, fractional error
   * < 1.2e-7): 2 − erfc(|x|) for x ≥ 0 and erfc(|x|) for x &lt; 0, so there is no cancellation on either side.
   */
  private static FloatVector onePlusErf(FloatVector x) {
    FloatVector a = x.abs();
    FloatVector t = a.mul(0.5f).add(1f);
    t = FloatVector.broadcast(S, 1f).div(t);
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

  /**
   * LayerNorm of {@code n} rows of {@code d}: out (row stride {@code outStride}) = x̂·γ + β with γ, β the float
   * parameters; keeps x̂ and 1/σ per row for the backward.
   */
  static void layerNorm(float[] x, int n, int d, float[] gamma, float[] beta, float[] out, int outStride,
                        float[] xhat, float[] rstd, float eps) {
    float invD = 1f / d;
    for (int r = 0; r < n; r++) {
      int base = r * d;
      FloatVector sv = FloatVector.zero(S);
      for (int j = 0; j < d; j += W) {
        VectorMask<Float> m = S.indexInRange(j, d);
        sv = sv.add(FloatVector.fromArray(S, x, base + j, m));
      }
      float mu = sv.reduceLanes(VectorOperators.ADD) * invD;
      FloatVector qv = FloatVector.zero(S);
      for (int j = 0; j < d; j += W) {
        VectorMask<Float> m = S.indexInRange(j, d);
        FloatVector e = FloatVector.fromArray(S, x, base + j, m).sub(mu).blend(0f, m.not());
        qv = e.fma(e, qv);
      }
      float rs = (float) (1.0 / Math.sqrt(qv.reduceLanes(VectorOperators.ADD) * invD + eps));
      rstd[r] = rs;
      int ob = r * outStride;
      for (int j = 0; j < d; j += W) {
        VectorMask<Float> m = S.indexInRange(j, d);
        FloatVector xh = FloatVector.fromArray(S, x, base + j, m).sub(mu).mul(rs);
        xh.intoArray(xhat, base + j, m);
        xh.fma(FloatVector.fromArray(S, gamma, j, m), FloatVector.fromArray(S, beta, j, m)).intoArray(out, ob + j, m);
      }
    }
  }

  /**
   * LayerNorm's backward: adds ∂L/∂x = (dx̂ − mean(dx̂) − x̂·mean(dx̂∘x̂))/σ (dx̂ = dy∘γ) into dx and accumulates
   * ∂L/∂γ, ∂L/∂β into {@code grad} at gOff, bOff. Those column sums gather in float over blocks of
   * {@value #FLUSH_ROWS} rows ({@code acc}, 2d long) and then in double, so their rounding does not grow with N.
   */
  static void layerNormBackward(float[] dy, float[] dx, int n, int d, float[] gamma, float[] xhat, float[] rstd,
                                double[] grad, int gOff, int bOff, float[] acc) {
    float invD = 1f / d;
    java.util.Arrays.fill(acc, 0, 2 * d, 0f);
    for (int r = 0; r < n; r++) {
      int base = r * d;
      FloatVector m1v = FloatVector.zero(S);
      FloatVector m2v = FloatVector.zero(S);
      for (int j = 0; j < d; j += W) {
        VectorMask<Float> m = S.indexInRange(j, d);
        FloatVector gy = FloatVector.fromArray(S, dy, base + j, m);
        FloatVector xh = FloatVector.fromArray(S, xhat, base + j, m);
        FloatVector dxh = gy.mul(FloatVector.fromArray(S, gamma, j, m));
        m1v = m1v.add(dxh);
        m2v = dxh.fma(xh, m2v);
        gy.fma(xh, FloatVector.fromArray(S, acc, j, m)).intoArray(acc, j, m);
        FloatVector.fromArray(S, acc, d + j, m).add(gy).intoArray(acc, d + j, m);
      }
      float m1 = m1v.reduceLanes(VectorOperators.ADD) * invD;
      float m2 = m2v.reduceLanes(VectorOperators.ADD) * invD;
      float rs = rstd[r];
      for (int j = 0; j < d; j += W) {
        VectorMask<Float> m = S.indexInRange(j, d);
        FloatVector xh = FloatVector.fromArray(S, xhat, base + j, m);
        FloatVector dxh = FloatVector.fromArray(S, dy, base + j, m).mul(FloatVector.fromArray(S, gamma, j, m));
        FloatVector g = dxh.sub(m1).sub(xh.mul(m2)).mul(rs);
        FloatVector.fromArray(S, dx, base + j, m).add(g).intoArray(dx, base + j, m);
      }
      if ((r + 1) % FLUSH_ROWS == 0 || r == n - 1) {
        for (int j = 0; j < d; j++) {
          grad[gOff + j] += acc[j];
          grad[bOff + j] += acc[d + j];
        }
        java.util.Arrays.fill(acc, 0, 2 * d, 0f);
      }
    }
  }
}
