package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LayerNorm forward/backward, GELU forward/backward and the softmax backward as Java loops over the ND4J buffers
 * (bulk-copied to Java arrays) instead of as ND4J ops. Why: ND4J's broadcast of a per-row value (x − μ, x·(1/σ))
 * measured ~6× slower per element than a plain elementwise op, and each op costs ~20–40 µs of fixed overhead; a fused
 * Java pass over a LayerNorm's [N, d] was ~9× faster than its 8 ND4J ops; ND4J's erf costs up to 25 ns per element
 * ({@link ErfTable}). The embedding is a gather of θ's rows here ({@link #embed}), where ND4J multiplies a one-hot
 * matrix. Only possible where ND4J's buffers are host memory, i.e. the CPU backend (see
 * {@link Transformer#hostKernelsDefault()}).
 *
 * <p>A FLOAT model whose JVM has the Vector API runs {@link VectorKernels} instead (float SIMD loops, the softmax
 * forward too); the DOUBLE model, or a JVM without {@code jdk.incubator.vector}, runs the double loops here.
 *
 * <p>γ and β are read from θ of the call in progress ({@link #theta}, set by the {@link Transformer} before each
 * pass); their gradients are accumulated in {@link #grad} and added to ∇θ by the {@link Transformer} at the end.
 */
final class HostKernels {

  final double[] grad; // LayerNorm γ/β gradients, indexed like θ
  double[] theta;      // θ of the call in progress

  private final DataType dt;
  private final int d;
  private final int heads;
  private final int headDim;
  private final double[] rotCos; // rotary tables [maxLen][headDim/2], or null
  private final double[] rotSin;
  final boolean vector;  // VectorKernels (FLOAT only)
  private final float[] gammaF;  // γ, β of the LayerNorm in progress as floats, for VectorKernels
  private final float[] betaF;
  private final float[] accF;    // VectorKernels' LayerNorm γ/β gradient accumulator, 2d
  private final int tokEmbOffset; // θ offsets of tok_emb and of pos_emb (−1 unless positions are learned)
  private final int posEmbOffset;

  HostKernels(ModelSpec spec, DataType dt, int numParams, boolean vector) {
    if (vector && dt != DataType.FLOAT) {
      throw new IllegalArgumentException("the vector kernels are float kernels; the model computes in " + dt);
    }
    this.vector = vector;
    this.gammaF = new float[spec.dModel()];
    this.betaF = new float[spec.dModel()];
    this.accF = new float[2 * spec.dModel()];
    this.dt = dt;
    this.d = spec.dModel();
    this.heads = spec.heads();
    this.headDim = spec.headDim();
    this.grad = new double[numParams];
    this.rotCos = spec.positional().rotary() ? Rotary.cosTable(spec) : null;
    this.rotSin = spec.positional().rotary() ? Rotary.sinTable(spec) : null;
    ParamLayout layout = ParamLayout.of(spec);
    this.tokEmbOffset = layout.get("tok_emb").offset();
    this.posEmbOffset = spec.positional() == ModelSpec.Positional.LEARNED ? layout.get("pos_emb").offset() : -1;
  }

  /**
   * s.x ← each token's embedding row plus, with learned positions, its position's, read from θ: a gather where the
   * ND4J-op path multiplies the [N, V+T] one-hot matrix by the embedding block (for L4, N = 2048: a 1.1 ms matmul and
   * its 0.65 ms transpose in the backward, against one pass over N·d here). Rows are added in the model's data type,
   * as the matmul adds them.
   */
  void embed(Scratch s) {
    int[] ids = s.input.tokenIds;
    int n = s.n;
    int t = s.t;
    double[] th = theta;
    if (dt == DataType.DOUBLE) {
      double[] x = s.hA;
      for (int row = 0; row < n; row++) {
        int tok = tokEmbOffset + ids[row] * d;
        int pos = posEmbOffset + (row % t) * d;
        for (int j = 0; j < d; j++) {
          x[row * d + j] = posEmbOffset < 0 ? th[tok + j] : th[tok + j] + th[pos + j];
        }
      }
      s.x.data().asNioDouble().put(0, x, 0, n * d);
    } else {
      float[] x = s.hF;
      for (int row = 0; row < n; row++) {
        int tok = tokEmbOffset + ids[row] * d;
        int pos = posEmbOffset + (row % t) * d;
        for (int j = 0; j < d; j++) {
          x[row * d + j] = posEmbOffset < 0 ? (float) th[tok + j] : (float) th[tok + j] + (float) th[pos + j];
        }
      }
      writeF(x, s.x, n * d);
    }
  }

  /** grad[to, to + d) += the d entries at {@code from} of {@code src} (double), or else of {@code srcF}. */
  private void addRow(double[] src, float[] srcF, int from, int to) {
    double[] gr = grad;
    if (src != null) {
      for (int j = 0; j < d; j++) {
        gr[to + j] += src[from + j];
      }
    } else {
      for (int j = 0; j < d; j++) {
        gr[to + j] += srcF[from + j];
      }
    }
  }

  /** The backward of {@link #embed}: each row of ∂L/∂x (s.dX) added to its token's and position's rows of {@link #grad}. */
  void embedBackward(Scratch s) {
    int[] ids = s.input.tokenIds;
    int n = s.n;
    int t = s.t;
    double[] dx = dt == DataType.DOUBLE ? s.hA : null;
    float[] dxF = s.hF;
    if (dx != null) {
      s.dX.data().asNioDouble().get(0, dx, 0, n * d);
    } else {
      readF(s.dX, dxF, n * d);
    }
    for (int row = 0; row < n; row++) {
      addRow(dx, dxF, row * d, tokEmbOffset + ids[row] * d);
      if (posEmbOffset >= 0) {
        addRow(dx, dxF, row * d, posEmbOffset + (row % t) * d);
      }
    }
  }

  /**
   * Whether attention runs fused here ({@link #attention}, the vector kernels) rather than as ND4J's batched matmuls
   * and softmax.
   */
  boolean attentionOnHost() {
    return vector;
  }

  /**
   * One block's attention on the vector kernels: q | k | v from {@code c.qkv} ([N, 3d]) into heads ([3, B, H, T, d/H]),
   * rotated when the model has rotary positions, then {@link VectorKernels#attention} into {@code c.ctxOnes}. With
   * {@code backwardFollows} the heads and the weights stay in the block's Java arrays ({@code c.headsF},
   * {@code c.attF}) for {@link #attentionBackward}; a forward-only pass (prediction, scoring) works in the shared ones.
   */
  void attention(Scratch s, BlockCache c, double scale, boolean backwardFollows) {
    int n = s.n;
    if (backwardFollows) {
      c.keepForBackward();
    }
    float[] hd = backwardFollows ? c.headsF : s.hG;
    readF(c.qkv, s.hF, 3 * n * d);
    permuteHeads(s, s.hF, hd, true);
    if (rotCos != null) {
      Rotary.apply(hd, 0, 2 * s.b * heads * s.t, s.t, headDim / 2, rotCos, rotSin, 1.0);
    }
    int stride = d + 1;
    float[] ctx = s.hF;
    VectorKernels.attention(hd, s.b, heads, s.t, headDim, (float) scale, s.input.keyMaskFloats(), ctx, stride,
        backwardFollows ? c.attF : null, s.queriesT, s.scores, s.laneTmp);
    for (int r = 0; r < n; r++) {
      ctx[r * stride + d] = 1f;
    }
    writeF(ctx, c.ctxOnes, n * stride);
  }

  /**
   * The backward of {@link #attention}: from ∂L/∂ctx in {@code s.dCtx} ([N, d]) to ∂L/∂(q | k | v) in {@code s.dQKV}
   * ([N, 3d]), through {@link VectorKernels#attentionBackward} on the heads and weights the forward kept, and the
   * transposed rotation with rotary positions.
   */
  void attentionBackward(Scratch s, BlockCache c, double scale) {
    int n = s.n;
    readF(s.dCtx, s.hF, n * d);
    float[] dHeads = s.hG;
    VectorKernels.attentionBackward(c.headsF, c.attF, s.b, heads, s.t, headDim, (float) scale, s.input.keyMaskFloats(),
        s.hF, d, dHeads, s.queriesT, s.scores, s.laneTmp);
    if (rotCos != null) {
      Rotary.apply(dHeads, 0, 2 * s.b * heads * s.t, s.t, headDim / 2, rotCos, rotSin, -1.0);
    }
    permuteHeads(s, s.hF, dHeads, false);
    writeF(s.hF, s.dQKV, 3 * n * d);
  }

  /** Rows of q | k | v ([N, 3d]) to heads ([3, B, H, T, d/H]) when {@code toHeads}, else back. */
  private void permuteHeads(Scratch s, float[] rows, float[] hd, boolean toHeads) {
    int t = s.t;
    int block = t * headDim;
    int part = s.b * heads * block;
    for (int r = 0; r < s.n; r++) {
      int head0 = (r / t) * heads * block + (r % t) * headDim;
      for (int p = 0; p < 3; p++) {
        for (int h = 0; h < heads; h++) {
          int row = r * 3 * d + p * d + h * headDim;
          int head = p * part + head0 + h * block;
          if (toHeads) {
            System.arraycopy(rows, row, hd, head, headDim);
          } else {
            System.arraycopy(hd, head, rows, row, headDim);
          }
        }
      }
    }
  }

  /**
   * Rotary embedding of q and k in place: the leading two thirds (q, then k) of a contiguous [3, B, H, T, d/H]
   * array; {@code sign} +1 rotates (forward), −1 applies the transpose (backward, on ∂L/∂q and ∂L/∂k).
   */
  void rotary(Scratch s, INDArray qkvh, double sign) {
    int len = 2 * s.n * d;
    double[] x = s.hA;
    read(s, qkvh, x, len);
    Rotary.apply(x, 0, len / headDim, s.t, headDim / 2, rotCos, rotSin, sign);
    write(s, x, qkvh, len);
  }

  void layerNorm(Scratch s, INDArray x, int gOff, int bOff, LayerNorm.Cache c) {
    if (vector) {
      layerNormF(s, x, gOff, bOff, c);
      return;
    }
    int n = s.n;
    if (c.xhatH == null) {
      c.xhatH = new double[n * d];
      c.rstdH = new double[n];
    }
    int d = this.d;
    double[] xs = s.hA;
    double[] out = s.hB;
    read(s, x, xs, n * d);
    double[] th = theta;
    int stride = c.outOnes != null ? d + 1 : d; // rows of [N, d+1] end with the constant 1
    for (int r = 0; r < n; r++) {
      int base = r * d;
      double mu = 0;
      for (int j = 0; j < d; j++) {
        mu += xs[base + j];
      }
      mu /= d;
      double var = 0;
      for (int j = 0; j < d; j++) {
        double e = xs[base + j] - mu;
        var += e * e;
      }
      double rs = 1.0 / Math.sqrt(var / d + Transformer.LN_EPS);
      c.rstdH[r] = rs;
      int ob = r * stride;
      for (int j = 0; j < d; j++) {
        double xh = (xs[base + j] - mu) * rs;
        c.xhatH[base + j] = xh;
        out[ob + j] = xh * th[gOff + j] + th[bOff + j];
      }
      if (stride > d) {
        out[ob + d] = 1.0;
      }
    }
    write(s, out, c.outOnes != null ? c.outOnes : c.out, n * stride);
  }

  private void layerNormF(Scratch s, INDArray x, int gOff, int bOff, LayerNorm.Cache c) {
    int n = s.n;
    if (c.xhatF == null) {
      c.xhatF = new float[n * d];
      c.rstdF = new float[n];
    }
    float[] xs = s.hF;
    float[] out = s.hG;
    readF(x, xs, n * d);
    gammaBeta(gOff, bOff);
    int stride = c.outOnes != null ? d + 1 : d; // rows of [N, d+1] end with the constant 1
    VectorKernels.layerNorm(xs, n, d, gammaF, betaF, out, stride, c.xhatF, c.rstdF, (float) Transformer.LN_EPS);
    for (int r = 0; stride > d && r < n; r++) {
      out[r * stride + d] = 1f;
    }
    writeF(out, c.outOnes != null ? c.outOnes : c.out, n * stride);
  }

  private void gammaBeta(int gOff, int bOff) {
    for (int j = 0; j < d; j++) {
      gammaF[j] = (float) theta[gOff + j];
      betaF[j] = (float) theta[bOff + j];
    }
  }

  /** ∂L/∂γ, ∂L/∂β into {@link #grad}; ∂L/∂x added to s.dX. */
  void layerNormBackward(Scratch s, INDArray dy, LayerNorm.Cache c, int gOff, int bOff) {
    int n = s.n;
    if (vector) {
      readF(dy, s.hF, n * d);
      readF(s.dX, s.hG, n * d);
      gammaBeta(gOff, bOff);
      VectorKernels.layerNormBackward(s.hF, s.hG, n, d, gammaF, c.xhatF, c.rstdF, grad, gOff, bOff, accF);
      writeF(s.hG, s.dX, n * d);
      return;
    }
    int d = this.d;
    double[] dys = s.hA;
    double[] dx = s.hB;
    read(s, dy, dys, n * d);
    read(s, s.dX, dx, n * d);
    double[] th = theta;
    double[] xh = c.xhatH;
    for (int r = 0; r < n; r++) {
      int base = r * d;
      double m1 = 0;
      double m2 = 0;
      for (int j = 0; j < d; j++) {
        double gy = dys[base + j];
        double dxh = gy * th[gOff + j];
        m1 += dxh;
        m2 += dxh * xh[base + j];
        grad[bOff + j] += gy;
        grad[gOff + j] += gy * xh[base + j];
      }
      m1 /= d;
      m2 /= d;
      double rs = c.rstdH[r];
      for (int j = 0; j < d; j++) {
        double dxh = dys[base + j] * th[gOff + j];
        dx[base + j] += (dxh - m1 - xh[base + j] * m2) * rs;
      }
    }
    write(s, dx, s.dX, n * d);
  }

  /**
   * The feed-forward's GELU from u = z/√2 ({@code c.u}, [N, ff]): the leading [N, ff] columns of {@code c.gelOnes}
   * ([N, ff+1], {@link Ops#withOnes}) ← u·(1 + erf(u)) = √2·GELU(z), erf from {@link ErfTable}; the last column keeps
   * its constant. On the vector kernels, with {@code backwardFollows}, u and 1 + erf u stay in the block's Java arrays
   * ({@code c.uF}, {@code c.onePlusErfF}) for {@link #geluBackward}. The ND4J path keeps 1 + erf(u) too; the double
   * loops here recompute it in the backward (from a table, as cheap as reading it).
   */
  void gelu(Scratch s, BlockCache c, boolean backwardFollows) {
    int rows = s.n;
    int f = (int) c.u.size(1);
    int len = rows * f;
    if (vector) {
      if (backwardFollows) {
        c.keepForBackward();
      }
      float[] u = backwardFollows ? c.uF : s.hF;
      readF(c.u, u, len);
      VectorKernels.gelu(u, s.hF, backwardFollows ? c.onePlusErfF : s.hG, len);
      java.nio.FloatBuffer out = c.gelOnes.data().asNioFloat();
      for (int r = 0; r < rows; r++) {
        out.put(r * (f + 1), s.hF, r * f, f);
      }
      return;
    }
    double[] x = s.hA;
    double[] out = s.hB;
    read(s, c.u, x, len);
    double one = Math.sqrt(2.0);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < f; j++) {
        double v = x[r * f + j];
        out[r * (f + 1) + j] = v * (1.0 + ErfTable.erf(v));
      }
      out[r * (f + 1) + f] = one;
    }
    write(s, out, c.gelOnes, rows * (f + 1));
  }

  /**
   * GELU's backward: dZ ← dG ∘ (1 + erf(u) + u·(2/√π)·e^(−u²)), i.e. dG·2·GELU′(z) (the scaling as in
   * {@code FeedForwardBlock.backward}), u and (vector kernels) 1 + erf u as the forward kept them.
   */
  void geluBackward(Scratch s, BlockCache c, INDArray dG, INDArray dZ) {
    int len = (int) c.u.length();
    if (vector) {
      readF(dG, s.hG, len);
      VectorKernels.geluBackward(c.uF, c.onePlusErfF, s.hG, len);
      writeF(s.hG, dZ, len);
      return;
    }
    double[] x = s.hA;
    double[] dg = s.hB;
    read(s, c.u, x, len);
    read(s, dG, dg, len);
    for (int i = 0; i < len; i++) {
      dg[i] *= ErfTable.geluSlope(x[i]);
    }
    write(s, dg, dZ, len);
  }

  /** s.dA ← A ∘ (dA − Σ_k dA∘A), row by row over [B·H·T, T]. */
  void softmaxBackward(Scratch s, INDArray att) {
    int t = s.t;
    int len = s.b * heads * t * t;
    double[] da = s.hA;
    double[] a = s.hB;
    read(s, s.dA, da, len);
    read(s, att, a, len);
    for (int base = 0; base < len; base += t) {
      double dot = 0;
      for (int k = 0; k < t; k++) {
        dot += da[base + k] * a[base + k];
      }
      for (int k = 0; k < t; k++) {
        da[base + k] = a[base + k] * (da[base + k] - dot);
      }
    }
    write(s, da, s.dA, len);
  }

  /** Bulk copy of a contiguous, zero-offset ND4J array into a Java array (converting from float). */
  private void read(Scratch s, INDArray a, double[] dst, int len) {
    if (dt == DataType.DOUBLE) {
      a.data().asNioDouble().get(0, dst, 0, len);
    } else {
      a.data().asNioFloat().get(0, s.hF, 0, len);
      float[] f = s.hF;
      for (int i = 0; i < len; i++) {
        dst[i] = f[i];
      }
    }
  }

  /** Bulk copies between a contiguous, zero-offset FLOAT array and a Java float array (the vector kernels). */
  private static void readF(INDArray a, float[] dst, int len) {
    a.data().asNioFloat().get(0, dst, 0, len);
  }

  private static void writeF(float[] src, INDArray a, int len) {
    a.data().asNioFloat().put(0, src, 0, len);
  }

  private void write(Scratch s, double[] src, INDArray a, int len) {
    if (dt == DataType.DOUBLE) {
      a.data().asNioDouble().put(0, src, 0, len);
    } else {
      float[] f = s.hF;
      for (int i = 0; i < len; i++) {
        f[i] = (float) src[i];
      }
      a.data().asNioFloat().put(0, f, 0, len);
    }
  }
}
