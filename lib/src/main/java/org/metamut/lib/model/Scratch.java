package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.stream.IntStream;

/**
 * Every buffer of one forward + backward pass of the {@link Transformer} at batch shape (B, T), allocated once and
 * reused: the encoded batch ({@link #input}), the residual stream ({@link #x}, updated in place by each block), each block's
 * activations ({@link #blocks}), the head's buffers, the backward pass's temporaries (shared by all blocks, which are
 * differentiated one after the other) and the host kernels' Java work arrays. Why: per-op overhead and native
 * allocation dominated at this size (DESIGN.md §8), so every op writes into a buffer from here.
 */
final class Scratch implements AutoCloseable {
  final int b;
  final int t;
  final int n;
  final BatchInput input;
  final double[] hA;   // host-kernel work arrays, max(N·(d+1), B·H·T·T, N·(ff+1), rotary: 2·N·d) long (vector kernels: below)
  final double[] hB;
  final float[] hF;   // FLOAT models: the float staging array; the vector kernels' two work arrays (see hostLen below)
  final float[] hG;
  // the vector kernels' attention (VectorKernels.attention and its backward): one head's queries transposed, [d/H, T
  // rounded up to whole vectors] (the backward's ∂ctx of two vectors of queries, [d/H, 2·lanes]); the scores of two
  // vectors of queries, [2, T, lanes]; one vector
  final float[] queriesT;
  final float[] scores;
  final float[] laneTmp;
  final INDArray x;         // [N, d] the residual stream
  final BlockCache[] blocks;
  final LayerNorm.Cache lnf;
  final INDArray pooled, pred, dpred, dpooled;
  // backward temporaries: dX is ∂L/∂(residual stream) at the point reached; the rest are per-op intermediates
  final INDArray dX, dH, dxh, tN, dCtx, dCtxPerm, dCh, dA, tA, rs, dQKVh, dQh, dKh, dVh, dQKV, dQKVPerm,
      dG, dZ, tF, r1, r2;
  // rotary positions on the ND4J-op path only (null otherwise): [2·B·H·T, d/H] tables tiled over q|k, batch and heads
  // (cos on both halves; sin negated on the first half), a temporary, and views of ∂L/∂q|k and their halves
  final INDArray rotCos, rotSin, rotTmp, rotTmpLo, rotTmpHi, dQK, dQKLo, dQKHi;

  /** {@code sinusoid} is the [maxLen, d] table when positions are sinusoidal, else unused. */
  Scratch(ModelSpec spec, DataType dt, boolean hostKernels, boolean vectorKernels, ParamViews p, ParamViews g,
          INDArray sinusoid, int b, int t) {
    this.b = b;
    this.t = t;
    this.n = b * t;
    int d = spec.dModel();
    int f = spec.ffDim();
    int h = spec.heads();
    int dh = spec.headDim();
    int l = spec.layers();
    input = new BatchInput(spec, dt, hostKernels, p, g, sinusoid, b, t);
    boolean rotary = spec.positional().rotary();
    // the float SIMD kernels work in hF/hG (and the attention's small arrays below), the double kernels in hA/hB
    int hostLen = !hostKernels ? 0 : vectorKernels ? IntStream.of(n * (d + 1), n * (f + 1), 3 * n * d).max().getAsInt()
        : IntStream.of(n * (d + 1), b * h * t * t, n * (f + 1), rotary ? 2 * n * d : 0).max().getAsInt();
    hA = new double[vectorKernels ? 0 : hostLen];
    hB = new double[vectorKernels ? 0 : hostLen];
    queriesT = new float[vectorKernels ? VectorKernels.queriesWorkLength(dh, t) : 0];
    scores = new float[vectorKernels ? VectorKernels.scoresWorkLength(t) : 0];
    laneTmp = new float[vectorKernels ? VectorKernels.lanes() : 0];
    hF = dt == DataType.FLOAT ? new float[hostLen] : null;
    hG = dt == DataType.FLOAT ? new float[hostLen] : null;
    x = Nd4j.create(dt, n, d);
    blocks = new BlockCache[l];
    for (int i = 0; i < l; i++) {
      blocks[i] = new BlockCache(spec, dt, hostKernels, vectorKernels, b, t);
    }
    lnf = new LayerNorm.Cache(n, d, dt, false);
    pooled = Nd4j.create(dt, b, d);
    pred = Nd4j.create(dt, b, 1);
    dpred = Nd4j.create(dt, b, 1);
    dpooled = Nd4j.create(dt, b, d);
    dX = Nd4j.create(dt, n, d);
    dH = Nd4j.create(dt, n, d);
    dxh = Nd4j.create(dt, n, d);
    tN = Nd4j.create(dt, n, d);
    dCtx = Nd4j.create(dt, n, d);
    dQKV = Nd4j.create(dt, n, 3L * d);
    if (vectorKernels) { // the attention's backward runs on Java arrays (HostKernels.attentionBackward)
      dCtxPerm = dCh = dA = tA = rs = dQKVh = dQh = dKh = dVh = dQKVPerm = null;
    } else {
      dCtxPerm = heads(dCtx, spec, b, t);
      dCh = Nd4j.create(dt, b, h, t, dh);
      dA = Nd4j.create(dt, b, h, t, t);
      tA = Nd4j.create(dt, b, h, t, t);
      rs = Nd4j.create(dt, b, h, t);
      dQKVh = Nd4j.create(dt, 3, b, h, t, dh);
      dQh = part(dQKVh, 0);
      dKh = part(dQKVh, 1);
      dVh = part(dQKVh, 2);
      dQKVPerm = heads3(dQKV, spec, b, t);
    }
    dG = Nd4j.create(dt, n, f);
    dZ = Nd4j.create(dt, n, f);
    tF = hostKernels ? null : Nd4j.create(dt, n, f); // the ND4J-op GELU backward's temporary
    r1 = Nd4j.create(dt, n);
    r2 = Nd4j.create(dt, n);
    if (rotary && !hostKernels) {
      long rows = 2L * b * h * t;
      int half = dh / 2;
      double[] cos = Rotary.cosTable(spec);
      double[] sin = Rotary.sinTable(spec);
      double[] tc = new double[(int) rows * dh];
      double[] ts = new double[(int) rows * dh];
      for (int r = 0; r < rows; r++) {
        int pos = r % t;
        for (int j = 0; j < half; j++) {
          tc[r * dh + j] = cos[pos * half + j];
          tc[r * dh + half + j] = cos[pos * half + j];
          ts[r * dh + j] = -sin[pos * half + j];
          ts[r * dh + half + j] = sin[pos * half + j];
        }
      }
      rotCos = Nd4j.createFromArray(tc).reshape(rows, dh).castTo(dt);
      rotSin = Nd4j.createFromArray(ts).reshape(rows, dh).castTo(dt);
      rotTmp = Nd4j.create(dt, rows, dh);
      rotTmpLo = columns(rotTmp, 0, half, rows);
      rotTmpHi = columns(rotTmp, half, half, rows);
      dQK = columns(dQKVh, 0, dh, rows);
      dQKLo = columns(dQKVh, 0, half, rows);
      dQKHi = columns(dQKVh, half, half, rows);
    } else {
      rotCos = rotSin = rotTmp = rotTmpLo = rotTmpHi = dQK = dQKLo = dQKHi = null;
    }
  }

  /**
   * The leading {@code rows} rows of a contiguous array seen as [·, d/H] (head vectors; its last dimension), columns
   * {@code [from, from + width)}, as a strided view: for a [3, B, H, T, d/H] array and rows = 2·B·H·T, the q and k head
   * vectors; for a [rows, d/H] array, its column blocks.
   */
  static INDArray columns(INDArray a, int from, int width, long rows) {
    long dh = a.size(a.rank() - 1);
    return Nd4j.create(a.data(), new long[] {rows, width}, new long[] {dh, 1}, from, 'c', a.dataType());
  }

  /** [N, d] seen as [B, H, T, d/H] (a strided view: heads are contiguous column blocks). */
  static INDArray heads(INDArray nd, ModelSpec spec, int b, int t) {
    return nd.reshape('c', b, t, spec.heads(), spec.headDim()).permute(0, 2, 1, 3);
  }

  /** [N, 3d] (q | k | v) seen as [3, B, H, T, d/H] (a strided view). */
  static INDArray heads3(INDArray nd3, ModelSpec spec, int b, int t) {
    return nd3.reshape('c', b, t, 3, spec.heads(), spec.headDim()).permute(2, 0, 3, 1, 4);
  }

  /** Slice {@code i} of a contiguous [3, B, H, T, d/H] array: a contiguous [B, H, T, d/H] view. */
  static INDArray part(INDArray x3, int i) {
    long[] shape = java.util.Arrays.copyOfRange(x3.shape(), 1, 5);
    long size = shape[0] * shape[1] * shape[2] * shape[3];
    return Nd4j.create(x3.data(), shape, new long[] {shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1},
        i * size, 'c', x3.dataType());
  }

  @Override
  public void close() {
    // Views share their parent's buffer; closing the owners frees the native memory.
    input.close();
    for (INDArray a : new INDArray[] {pooled, pred, dpred, dpooled, dX, dH, dxh, tN, dCtx, dCh, dA, tA, rs, dQKVh,
        dQKV, dG, dZ, tF, r1, r2}) {
      if (a != null) {
        a.close();
      }
    }
    for (INDArray a : new INDArray[] {rotCos, rotSin, rotTmp}) {
      if (a != null) {
        a.close();
      }
    }
    lnf.close();
    x.close();
    for (BlockCache c : blocks) {
      c.close();
    }
  }
}
