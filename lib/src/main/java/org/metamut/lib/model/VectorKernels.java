package org.metamut.lib.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The FLOAT model's attention (scores, softmax and context in one pass), the softmax's backward, GELU and its
 * backward, LayerNorm and its backward, as SIMD loops over Java float arrays (the Vector API of
 * {@code jdk.incubator.vector}, 16 lanes with AVX-512), used by the {@link HostKernels} when that module is in the JVM
 * ({@link org.metamut.lib.backend.VectorApi#available()}).
 *
 * <p>Why: after the large matmuls, these passes were most of a forward pass (softmax ~30 % of a scoring batch at
 * T = 64, GELU ~20 %, LayerNorm ~20 %, profiled; then the attention's small batched matmuls). ND4J's softmax costs
 * ~4.7 ns per element and the scalar Java loops of {@link HostKernels} 3–7 ns; scalar Java cannot do much better, as
 * C2 does not vectorise a loop holding {@code Math.exp} or the bit tricks of a hand-written exp (measured 6–11 ns per
 * element). In vector lanes, with the exp written out ({@link #exp}), the softmax inside the attention costs well
 * under 1 ns per score.
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
  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;     // ln 2 in two parts (Cody–Waite), so that x − n·ln 2 is exact
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float ROUNDER = 12582912f;      // 1.5·2^23: adding it rounds to an integer in the low bits
  private static final float EXP_MIN = -87.33654f;     // ln of the least normal float

  private VectorKernels() {
  }

  /** Floats per vector (16 with AVX-512, 8 with AVX2). */
  static int lanes() {
    return W;
  }

  /** The length of {@link #attention}'s weights for B examples, H heads and T tokens: [B, H, ⌈T/W⌉, T, W]. */
  static int weightsLength(int nb, int nh, int t) {
    return nb * nh * paddedToLanes(t) * t;
  }

  /** The length of the query work array of {@link #attention} (and of {@link #attentionBackward}'s dcT). */
  static int queriesWorkLength(int dh, int t) {
    return dh * paddedToLanes(t);
  }

  /** The length of the scores work array of {@link #attention} (and of {@link #attentionBackward}'s da). */
  static int scoresWorkLength(int t) {
    return 2 * t * W;
  }

  /** T rounded up to whole vectors. */
  private static int paddedToLanes(int t) {
    return (t + W - 1) / W * W;
  }

  /**
   * Scaled dot-product attention of one block, all examples and heads, from q, k, v as heads
   * ({@code heads}: contiguous [3, B, H, T, dh]): for example b, head h and query i,
   * {@code a = softmax(scale·q_i·kᵀ + mask_b)} over the keys and {@code ctx_i = a·v}, written to
   * {@code ctx[(b·T + i)·ctxStride + h·dh …]} (heads side by side, as the output projection reads them). When
   * {@code att} is not null it keeps the weights for {@link #attentionBackward}, in the lane layout
   * [B, H, ⌈T/W⌉, T, W] (group g holds queries g·W … g·W + W − 1 in the lanes, key by key).
   *
   * <p>Why here: as two batched matmuls and a softmax over ND4J buffers this was ~60 % of a forward pass of the
   * reference model (its [T, T] score blocks of 64 × 64 × 16 are too small for BLAS to pass ~28 GFLOP/s, each product
   * paid a head permutation, and the softmax a round trip of the scores through Java arrays). Why this shape: the
   * queries go in the vector lanes, W at a time, so a key's scores for W queries are one vector and the softmax over
   * keys is lane-wise (max, exp, sum down the keys) with no horizontal reduction, which cost ~60 cycles each on the
   * JDK 17 Vector API (two per query row, more than the row's arithmetic). Keys after an example's last unmasked key
   * (its right padding) would get −1e9 and so exactly zero weight: they are skipped. Two vectors of queries go
   * together where there are two, so that each key value loaded feeds two FMAs.
   *
   * @param qT work array of at least dh·⌈T/W⌉·W floats (one head's queries transposed; the lanes past T are zeroed)
   * @param sc work array of at least 2·T·W floats (the scores of 2·W queries when {@code att} is null)
   * @param tmp work array of at least W floats
   */
  static void attention(float[] heads, int nb, int nh, int t, int dh, float scale, float[] mask, float[] ctx,
                        int ctxStride, float[] att, float[] qT, float[] sc, float[] tmp) {
    int block = t * dh;
    int part = nb * nh * block;
    int tPad = paddedToLanes(t);
    for (int c = 0; c < dh; c++) { // the last vector's lanes past T: finite, and discarded
      java.util.Arrays.fill(qT, c * tPad + t, (c + 1) * tPad, 0f);
    }
    for (int b = 0; b < nb; b++) {
      int keys = unmaskedPrefix(mask, b * t, t);
      boolean masked = maskedBefore(mask, b * t, keys);
      for (int h = 0; h < nh; h++) {
        int q = (b * nh + h) * block;
        for (int i = 0; i < t; i++) {
          for (int c = 0; c < dh; c++) {
            qT[c * tPad + i] = heads[q + i * dh + c];
          }
        }
        for (int i0 = 0; i0 < t; i0 += 2 * W) { // two vectors of queries at a time where there are two
          boolean pair = t - i0 > W;
          float[] w = att != null ? att : sc;
          int off0 = att != null ? ((b * nh + h) * tPad + i0) * t : 0;
          int off1 = att != null ? off0 + W * t : W * t;
          int out0 = (b * t + i0) * ctxStride + h * dh;
          if (pair) {
            scoresT2(heads, part + q, keys, dh, qT, tPad, i0, scale, w, off0, off1);
          } else {
            scoresT(heads, part + q, keys, dh, qT, tPad, i0, scale, w, off0);
          }
          for (int v = 0; v < (pair ? 2 : 1); v++) {
            int off = v == 0 ? off0 : off1;
            if (masked) {
              for (int j = 0; j < keys; j++) {
                FloatVector.fromArray(S, w, off + j * W).add(mask[b * t + j]).intoArray(w, off + j * W);
              }
            }
            softmaxDownKeys(w, off, keys);
          }
          if (pair) {
            contextT2(w, off0, off1, keys, heads, 2 * part + q, dh, ctx, ctxStride, out0, Math.min(W, t - i0 - W),
                tmp);
          } else {
            contextT(w, off0, keys, heads, 2 * part + q, dh, ctx, ctxStride, out0, t - i0, tmp);
          }
        }
      }
    }
  }

  /**
   * The backward pass of {@link #attention}: from ∂L/∂ctx ({@code dCtx}, rows of {@code dCtxStride}, heads side by side)
   * and the forward's heads and weights (its {@code att}, lane layout), writes ∂L/∂q, ∂L/∂k, ∂L/∂v into
   * {@code dHeads} ([3, B, H, T, dh], every entry). Per vector of queries, in the same lanes:
   * {@code dA = dC·vᵀ}, the softmax's backward {@code dS = scale·A∘(dA − Σ_keys dA∘A)} (a lane-wise sum again),
   * {@code dq = dS·k}; and per key, vectors along the head, {@code dk += dSᵀ·q} and {@code dv += Aᵀ·dC} over the
   * vector's queries. Keys past the right padding have zero weight, so their dk and dv are 0.
   *
   * @param dcT work array of at least dh·2·W floats (two vectors of queries' ∂L/∂ctx, transposed)
   * @param da  work array of at least 2·T·W floats
   * @param tmp work array of at least W floats
   */
  static void attentionBackward(float[] heads, float[] att, int nb, int nh, int t, int dh, float scale, float[] mask,
                                float[] dCtx, int dCtxStride, float[] dHeads, float[] dcT, float[] da, float[] tmp) {
    int block = t * dh;
    int part = nb * nh * block;
    int tPad = paddedToLanes(t);
    for (int b = 0; b < nb; b++) {
      int keys = unmaskedPrefix(mask, b * t, t);
      for (int h = 0; h < nh; h++) {
        int q = (b * nh + h) * block;
        int k = part + q;
        int v = 2 * part + q;
        java.util.Arrays.fill(dHeads, k, k + block, 0f);
        java.util.Arrays.fill(dHeads, v, v + block, 0f);
        for (int i0 = 0; i0 < t; i0 += 2 * W) { // two vectors of queries at a time where there are two
          boolean pair = t - i0 > W;
          int queries = Math.min(2 * W, t - i0);
          int a = ((b * nh + h) * tPad + i0) * t;
          int dc = (b * t + i0) * dCtxStride + h * dh;
          int width = pair ? 2 * W : W;
          for (int c = 0; c < dh; c++) {
            for (int l = 0; l < width; l++) {
              dcT[c * width + l] = l < queries ? dCtx[dc + l * dCtxStride + c] : 0f;
            }
          }
          if (pair) { // dA, key by key, then scale·dS in place
            scoresT2(heads, v, keys, dh, dcT, width, 0, 1f, da, 0, W * t);
            softmaxBackwardDownKeys(da, 0, att, a, keys, scale);
            softmaxBackwardDownKeys(da, W * t, att, a + W * t, keys, scale);
            contextT2(da, 0, W * t, keys, heads, k, dh, dHeads, dh, q + i0 * dh, queries - W, tmp);
          } else {
            scoresT(heads, v, keys, dh, dcT, width, 0, 1f, da, 0);
            softmaxBackwardDownKeys(da, 0, att, a, keys, scale);
            contextT(da, 0, keys, heads, k, dh, dHeads, dh, q + i0 * dh, queries, tmp);
          }
          for (int g = 0; g < (pair ? 2 : 1); g++) {
            int lanes = Math.min(W, queries - g * W);
            accumulateRows(da, g * W * t, keys, lanes, heads, q + (i0 + g * W) * dh, dh, dh, dHeads, k);
            accumulateRows(att, a + g * W * t, keys, lanes, dCtx, dc + g * W * dCtxStride, dCtxStride, dh, dHeads, v);
          }
        }
      }
    }
  }

  /** Whether a key before {@code keys} has a mask or bias (not 0) to add to its scores. */
  private static boolean maskedBefore(float[] mask, int off, int keys) {
    boolean masked = false;
    for (int j = 0; j < keys; j++) {
      masked |= mask[off + j] != 0f;
    }
    return masked;
  }

  /**
   * How many keys of an example come before its right padding: one past the last key whose mask is not −1e9 (all T
   * when every key is masked, so that such a row keeps the plain softmax's uniform weights).
   */
  static int unmaskedPrefix(float[] mask, int off, int t) {
    for (int j = t - 1; j >= 0; j--) {
      if (mask[off + j] != (float) Transformer.MASK_NEG) {
        return j + 1;
      }
    }
    return t;
  }

  /**
   * sc[off + j·W + l] = scale·q_{i0+l}·k_j for the first {@code keys} keys, k_j the dh floats at x[kOff + j·dh …]
   * and q in the lanes of {@code qT} ([dh, tPad]); four keys at a time, so that four independent FMA chains hide the
   * FMA latency.
   */
  private static void scoresT(float[] x, int kOff, int keys, int dh, float[] qT, int tPad, int i0, float scale,
                              float[] sc, int off) {
    int j = 0;
    for (; j + 4 <= keys; j += 4) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      FloatVector a2 = FloatVector.zero(S);
      FloatVector a3 = FloatVector.zero(S);
      int k = kOff + j * dh;
      for (int c = 0; c < dh; c++) {
        FloatVector qc = FloatVector.fromArray(S, qT, c * tPad + i0);
        a0 = qc.fma(FloatVector.broadcast(S, x[k + c]), a0);
        a1 = qc.fma(FloatVector.broadcast(S, x[k + dh + c]), a1);
        a2 = qc.fma(FloatVector.broadcast(S, x[k + 2 * dh + c]), a2);
        a3 = qc.fma(FloatVector.broadcast(S, x[k + 3 * dh + c]), a3);
      }
      a0.mul(scale).intoArray(sc, off + j * W);
      a1.mul(scale).intoArray(sc, off + (j + 1) * W);
      a2.mul(scale).intoArray(sc, off + (j + 2) * W);
      a3.mul(scale).intoArray(sc, off + (j + 3) * W);
    }
    for (; j < keys; j++) {
      FloatVector a0 = FloatVector.zero(S);
      int k = kOff + j * dh;
      for (int c = 0; c < dh; c++) {
        a0 = FloatVector.fromArray(S, qT, c * tPad + i0).fma(FloatVector.broadcast(S, x[k + c]), a0);
      }
      a0.mul(scale).intoArray(sc, off + j * W);
    }
  }

  /**
   * {@link #scoresT} for two vectors of queries, i0 and i0 + W, into sc[off0 …] and sc[off1 …]: each key's floats
   * loaded serve both, so two vector loads and four broadcasts feed eight FMAs (one and four fed four).
   */
  private static void scoresT2(float[] x, int kOff, int keys, int dh, float[] qT, int tPad, int i0, float scale,
                               float[] sc, int off0, int off1) {
    int j = 0;
    for (; j + 4 <= keys; j += 4) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      FloatVector a2 = FloatVector.zero(S);
      FloatVector a3 = FloatVector.zero(S);
      FloatVector b0 = FloatVector.zero(S);
      FloatVector b1 = FloatVector.zero(S);
      FloatVector b2 = FloatVector.zero(S);
      FloatVector b3 = FloatVector.zero(S);
      int k = kOff + j * dh;
      for (int c = 0; c < dh; c++) {
        FloatVector q0 = FloatVector.fromArray(S, qT, c * tPad + i0);
        FloatVector q1 = FloatVector.fromArray(S, qT, c * tPad + i0 + W);
        FloatVector k0 = FloatVector.broadcast(S, x[k + c]);
        FloatVector k1 = FloatVector.broadcast(S, x[k + dh + c]);
        FloatVector k2 = FloatVector.broadcast(S, x[k + 2 * dh + c]);
        FloatVector k3 = FloatVector.broadcast(S, x[k + 3 * dh + c]);
        a0 = q0.fma(k0, a0);
        a1 = q0.fma(k1, a1);
        a2 = q0.fma(k2, a2);
        a3 = q0.fma(k3, a3);
        b0 = q1.fma(k0, b0);
        b1 = q1.fma(k1, b1);
        b2 = q1.fma(k2, b2);
        b3 = q1.fma(k3, b3);
      }
      a0.mul(scale).intoArray(sc, off0 + j * W);
      a1.mul(scale).intoArray(sc, off0 + (j + 1) * W);
      a2.mul(scale).intoArray(sc, off0 + (j + 2) * W);
      a3.mul(scale).intoArray(sc, off0 + (j + 3) * W);
      b0.mul(scale).intoArray(sc, off1 + j * W);
      b1.mul(scale).intoArray(sc, off1 + (j + 1) * W);
      b2.mul(scale).intoArray(sc, off1 + (j + 2) * W);
      b3.mul(scale).intoArray(sc, off1 + (j + 3) * W);
    }
    for (; j < keys; j++) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector b0 = FloatVector.zero(S);
      int k = kOff + j * dh;
      for (int c = 0; c < dh; c++) {
        FloatVector kc = FloatVector.broadcast(S, x[k + c]);
        a0 = FloatVector.fromArray(S, qT, c * tPad + i0).fma(kc, a0);
        b0 = FloatVector.fromArray(S, qT, c * tPad + i0 + W).fma(kc, b0);
      }
      a0.mul(scale).intoArray(sc, off0 + j * W);
      b0.mul(scale).intoArray(sc, off1 + j * W);
    }
  }

  /** The softmax of each lane of sc over the first {@code keys} keys (vectors sc[off + j·W …]), in place. */
  private static void softmaxDownKeys(float[] sc, int off, int keys) {
    FloatVector max = FloatVector.fromArray(S, sc, off);
    for (int j = 1; j < keys; j++) {
      max = max.max(FloatVector.fromArray(S, sc, off + j * W));
    }
    FloatVector sum = FloatVector.zero(S);
    for (int j = 0; j < keys; j++) {
      FloatVector e = exp(FloatVector.fromArray(S, sc, off + j * W).sub(max));
      e.intoArray(sc, off + j * W);
      sum = sum.add(e);
    }
    FloatVector inv = FloatVector.broadcast(S, 1f).div(sum);
    for (int j = 0; j < keys; j++) {
      FloatVector.fromArray(S, sc, off + j * W).mul(inv).intoArray(sc, off + j * W);
    }
  }

  /**
   * da ← scale·a∘(da − Σ_keys da∘a) lane by lane, da the vectors da[dOff + j·W …] and a the weights at
   * att[aOff + j·W …]: the softmax's backward.
   */
  private static void softmaxBackwardDownKeys(float[] da, int dOff, float[] att, int aOff, int keys, float scale) {
    FloatVector dot = FloatVector.zero(S);
    for (int j = 0; j < keys; j++) {
      dot = FloatVector.fromArray(S, da, dOff + j * W).fma(FloatVector.fromArray(S, att, aOff + j * W), dot);
    }
    for (int j = 0; j < keys; j++) {
      FloatVector a = FloatVector.fromArray(S, att, aOff + j * W).mul(scale);
      FloatVector.fromArray(S, da, dOff + j * W).sub(dot).mul(a).intoArray(da, dOff + j * W);
    }
  }

  /**
   * out[outOff + j·dh + c] += Σ_{l &lt; lanes} w[wOff + j·W + l]·rows[rowOff + l·rowStride + c] for the first
   * {@code keys} keys: a product with the transposed lane layout, vectors along the head (whole vectors, then a scalar
   * remainder), four keys at a time so that each row vector loaded serves four independent FMA chains.
   */
  private static void accumulateRows(float[] w, int wOff, int keys, int lanes, float[] rows, int rowOff, int rowStride,
                                     int dh, float[] out, int outOff) {
    int whole = dh - dh % W;
    int j = 0;
    for (; j + 4 <= keys; j += 4) {
      int wj = wOff + j * W;
      int o = outOff + j * dh;
      int c = 0;
      for (; c + 2 * W <= dh; c += 2 * W) { // two vectors along the head: two row loads and four broadcasts, eight FMAs
        FloatVector a0 = FloatVector.fromArray(S, out, o + c);
        FloatVector a1 = FloatVector.fromArray(S, out, o + dh + c);
        FloatVector a2 = FloatVector.fromArray(S, out, o + 2 * dh + c);
        FloatVector a3 = FloatVector.fromArray(S, out, o + 3 * dh + c);
        FloatVector b0 = FloatVector.fromArray(S, out, o + c + W);
        FloatVector b1 = FloatVector.fromArray(S, out, o + dh + c + W);
        FloatVector b2 = FloatVector.fromArray(S, out, o + 2 * dh + c + W);
        FloatVector b3 = FloatVector.fromArray(S, out, o + 3 * dh + c + W);
        for (int l = 0; l < lanes; l++) {
          FloatVector r0 = FloatVector.fromArray(S, rows, rowOff + l * rowStride + c);
          FloatVector r1 = FloatVector.fromArray(S, rows, rowOff + l * rowStride + c + W);
          FloatVector w0 = FloatVector.broadcast(S, w[wj + l]);
          FloatVector w1 = FloatVector.broadcast(S, w[wj + W + l]);
          FloatVector w2 = FloatVector.broadcast(S, w[wj + 2 * W + l]);
          FloatVector w3 = FloatVector.broadcast(S, w[wj + 3 * W + l]);
          a0 = r0.fma(w0, a0);
          a1 = r0.fma(w1, a1);
          a2 = r0.fma(w2, a2);
          a3 = r0.fma(w3, a3);
          b0 = r1.fma(w0, b0);
          b1 = r1.fma(w1, b1);
          b2 = r1.fma(w2, b2);
          b3 = r1.fma(w3, b3);
        }
        a0.intoArray(out, o + c);
        a1.intoArray(out, o + dh + c);
        a2.intoArray(out, o + 2 * dh + c);
        a3.intoArray(out, o + 3 * dh + c);
        b0.intoArray(out, o + c + W);
        b1.intoArray(out, o + dh + c + W);
        b2.intoArray(out, o + 2 * dh + c + W);
        b3.intoArray(out, o + 3 * dh + c + W);
      }
      for (; c < whole; c += W) {
        FloatVector a0 = FloatVector.fromArray(S, out, o + c);
        FloatVector a1 = FloatVector.fromArray(S, out, o + dh + c);
        FloatVector a2 = FloatVector.fromArray(S, out, o + 2 * dh + c);
        FloatVector a3 = FloatVector.fromArray(S, out, o + 3 * dh + c);
        for (int l = 0; l < lanes; l++) {
          FloatVector r = FloatVector.fromArray(S, rows, rowOff + l * rowStride + c);
          a0 = r.fma(FloatVector.broadcast(S, w[wj + l]), a0);
          a1 = r.fma(FloatVector.broadcast(S, w[wj + W + l]), a1);
          a2 = r.fma(FloatVector.broadcast(S, w[wj + 2 * W + l]), a2);
          a3 = r.fma(FloatVector.broadcast(S, w[wj + 3 * W + l]), a3);
        }
        a0.intoArray(out, o + c);
        a1.intoArray(out, o + dh + c);
        a2.intoArray(out, o + 2 * dh + c);
        a3.intoArray(out, o + 3 * dh + c);
      }
      for (int k = 0; k < 4; k++) {
        accumulateTail(w, wj + k * W, lanes, rows, rowOff, rowStride, whole, dh, out, o + k * dh);
      }
    }
    for (; j < keys; j++) {
      int wj = wOff + j * W;
      int o = outOff + j * dh;
      for (int c = 0; c < whole; c += W) {
        FloatVector a0 = FloatVector.fromArray(S, out, o + c);
        for (int l = 0; l < lanes; l++) {
          a0 = FloatVector.fromArray(S, rows, rowOff + l * rowStride + c).fma(FloatVector.broadcast(S, w[wj + l]), a0);
        }
        a0.intoArray(out, o + c);
      }
      accumulateTail(w, wj, lanes, rows, rowOff, rowStride, whole, dh, out, o);
    }
  }

  /** The scalar columns [from, dh) of one key of {@link #accumulateRows}. */
  private static void accumulateTail(float[] w, int wj, int lanes, float[] rows, int rowOff, int rowStride, int from,
                                     int dh, float[] out, int o) {
    for (int c = from; c < dh; c++) {
      float sum = out[o + c];
      for (int l = 0; l < lanes; l++) {
        sum += w[wj + l] * rows[rowOff + l * rowStride + c];
      }
      out[o + c] = sum;
    }
  }

  /**
   * ctx of the {@code lanes} queries in sc's lanes: column c of query l, Σ_j sc[off + j·W + l]·v_j[c] with v_j the dh
   * floats at x[vOff + j·dh …], goes to ctx[out + l·ctxStride + c]; four columns at a time into independent
   * accumulators.
   */
  private static void contextT(float[] sc, int off, int keys, float[] x, int vOff, int dh, float[] ctx, int ctxStride,
                               int out, int lanes, float[] tmp) {
    int c = 0;
    for (; c + 4 <= dh; c += 4) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      FloatVector a2 = FloatVector.zero(S);
      FloatVector a3 = FloatVector.zero(S);
      for (int j = 0; j < keys; j++) {
        FloatVector w = FloatVector.fromArray(S, sc, off + j * W);
        int v = vOff + j * dh + c;
        a0 = w.fma(FloatVector.broadcast(S, x[v]), a0);
        a1 = w.fma(FloatVector.broadcast(S, x[v + 1]), a1);
        a2 = w.fma(FloatVector.broadcast(S, x[v + 2]), a2);
        a3 = w.fma(FloatVector.broadcast(S, x[v + 3]), a3);
      }
      scatter(a0, tmp, ctx, out + c, ctxStride, lanes);
      scatter(a1, tmp, ctx, out + c + 1, ctxStride, lanes);
      scatter(a2, tmp, ctx, out + c + 2, ctxStride, lanes);
      scatter(a3, tmp, ctx, out + c + 3, ctxStride, lanes);
    }
    for (; c < dh; c++) {
      FloatVector a0 = FloatVector.zero(S);
      for (int j = 0; j < keys; j++) {
        a0 = FloatVector.fromArray(S, sc, off + j * W).fma(FloatVector.broadcast(S, x[vOff + j * dh + c]), a0);
      }
      scatter(a0, tmp, ctx, out + c, ctxStride, lanes);
    }
  }

  /**
   * {@link #contextT} for two vectors of queries, their weights at sc[off0 …] and sc[off1 …]: the first a whole
   * vector going to ctx[out …], the second {@code lanes1} queries going W rows further. Each value loaded serves both.
   */
  private static void contextT2(float[] sc, int off0, int off1, int keys, float[] x, int vOff, int dh, float[] ctx,
                                int ctxStride, int out, int lanes1, float[] tmp) {
    int out1 = out + W * ctxStride;
    int c = 0;
    for (; c + 4 <= dh; c += 4) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      FloatVector a2 = FloatVector.zero(S);
      FloatVector a3 = FloatVector.zero(S);
      FloatVector b0 = FloatVector.zero(S);
      FloatVector b1 = FloatVector.zero(S);
      FloatVector b2 = FloatVector.zero(S);
      FloatVector b3 = FloatVector.zero(S);
      for (int j = 0; j < keys; j++) {
        FloatVector w0 = FloatVector.fromArray(S, sc, off0 + j * W);
        FloatVector w1 = FloatVector.fromArray(S, sc, off1 + j * W);
        int v = vOff + j * dh + c;
        FloatVector v0 = FloatVector.broadcast(S, x[v]);
        FloatVector v1 = FloatVector.broadcast(S, x[v + 1]);
        FloatVector v2 = FloatVector.broadcast(S, x[v + 2]);
        FloatVector v3 = FloatVector.broadcast(S, x[v + 3]);
        a0 = w0.fma(v0, a0);
        a1 = w0.fma(v1, a1);
        a2 = w0.fma(v2, a2);
        a3 = w0.fma(v3, a3);
        b0 = w1.fma(v0, b0);
        b1 = w1.fma(v1, b1);
        b2 = w1.fma(v2, b2);
        b3 = w1.fma(v3, b3);
      }
      scatter(a0, tmp, ctx, out + c, ctxStride, W);
      scatter(a1, tmp, ctx, out + c + 1, ctxStride, W);
      scatter(a2, tmp, ctx, out + c + 2, ctxStride, W);
      scatter(a3, tmp, ctx, out + c + 3, ctxStride, W);
      scatter(b0, tmp, ctx, out1 + c, ctxStride, lanes1);
      scatter(b1, tmp, ctx, out1 + c + 1, ctxStride, lanes1);
      scatter(b2, tmp, ctx, out1 + c + 2, ctxStride, lanes1);
      scatter(b3, tmp, ctx, out1 + c + 3, ctxStride, lanes1);
    }
    for (; c < dh; c++) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector b0 = FloatVector.zero(S);
      for (int j = 0; j < keys; j++) {
        FloatVector vc = FloatVector.broadcast(S, x[vOff + j * dh + c]);
        a0 = FloatVector.fromArray(S, sc, off0 + j * W).fma(vc, a0);
        b0 = FloatVector.fromArray(S, sc, off1 + j * W).fma(vc, b0);
      }
      scatter(a0, tmp, ctx, out + c, ctxStride, W);
      scatter(b0, tmp, ctx, out1 + c, ctxStride, lanes1);
    }
  }

  /** Lane l of v (l &lt; lanes) to dst[off + l·stride], through tmp (JDK 17 does not intrinsify scattered stores). */
  private static void scatter(FloatVector v, float[] tmp, float[] dst, int off, int stride, int lanes) {
    v.intoArray(tmp, 0);
    for (int l = 0; l < lanes; l++) {
      dst[off + l * stride] = tmp[l];
    }
  }

  /**
   * e^x lane-wise for x ≤ 88 (the kernels' arguments are ≤ 0): Cephes' expf, x = n·ln 2 + r with |r| ≤ ln 2 / 2, a
   * degree-6 polynomial in r, times 2^n built in the exponent bits; relative error ≤ 1.2e-7 (tested). Below −87.34,
   * where 2^n would leave the normal range, the result is 0, so a key masked with −1e9 gets exactly zero weight.
   *
   * <p>Why not {@code lanewise(EXP)}: on JDK 17 with 16 lanes it measured ~2 ns per element, this ~0.3–0.5; it made
   * the GELU ~1.8× and the attention's softmax ~1.5× faster (profiled, AMD EPYC with AVX-512).
   */
  static FloatVector exp(FloatVector x) {
    FloatVector shifted = x.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER)); // n + 1.5·2^23
    FloatVector n = shifted.sub(ROUNDER);
    FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
    r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
    FloatVector p = r.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
    p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
    p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
    p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
    p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
    p = p.fma(r.mul(r), r.add(1f));
    // n sits in the low mantissa bits of `shifted`: (n + 127) << 23 is 2^n as a float
    IntVector twoToN = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER) - 127).lanewise(VectorOperators.LSHL, 23);
    return p.mul(twoToN.reinterpretAsFloats()).blend(0f, x.lt(EXP_MIN));
  }

  /**
   * out ← u·(1 + erf u) (√2·GELU(z) at u = z/√2) and onePlusErf ← 1 + erf u, over the first {@code len} entries
   * ({@code out} may be {@code u}). The backward pass reads 1 + erf u back instead of computing it again: that took one
   * of its two exps and its division.
   */
  static void gelu(float[] u, float[] out, float[] onePlusErf, int len) {
    int whole = len - len % W;
    int i = 0;
    for (; i < whole; i += W) {
      FloatVector x = FloatVector.fromArray(S, u, i);
      FloatVector e = onePlusErf(x);
      e.intoArray(onePlusErf, i);
      x.mul(e).intoArray(out, i);
    }
    for (; i < len; i++) {
      float e = onePlusErf(u[i]);
      onePlusErf[i] = e;
      out[i] = u[i] * e;
    }
  }

  /**
   * dg ← dg·(1 + erf u + u·(2/√π)·e^(−u²)) in place: GELU's backward (as {@link ErfTable#geluSlope}), given the
   * forward's 1 + erf u.
   */
  static void geluBackward(float[] u, float[] onePlusErf, float[] dg, int len) {
    int whole = len - len % W;
    int i = 0;
    for (; i < whole; i += W) {
      FloatVector x = FloatVector.fromArray(S, u, i);
      FloatVector gauss = exp(x.mul(x).neg()).mul(TWO_OVER_SQRT_PI);
      FloatVector slope = FloatVector.fromArray(S, onePlusErf, i).add(x.mul(gauss));
      FloatVector.fromArray(S, dg, i).mul(slope).intoArray(dg, i);
    }
    for (; i < len; i++) {
      float x = u[i];
      dg[i] *= onePlusErf[i] + x * TWO_OVER_SQRT_PI * (float) Math.exp(-x * x);
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
    FloatVector erfc = t.mul(exp(p.sub(a.mul(a))));
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
