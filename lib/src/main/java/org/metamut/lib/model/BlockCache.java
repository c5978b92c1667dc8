package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The activations of one transformer block at batch shape (B, T) that its backward pass reads: the LayerNorm caches,
 * q, k, v (one fused [N, 3d] projection and its contiguous [3, B, H, T, d/H] head copy), the attention context (as
 * [N, d] and, on the ND4J-op path, as a [B, H, T, d/H] head copy), the attention weights and the feed-forward
 * pre-activation and GELU parts (see {@link FeedForwardBlock}). With the vector kernels the heads and the weights
 * are Java arrays ({@link #headsF}, {@link #attF}: their attention reads and writes them directly), allocated by
 * {@link #keepForBackward} on the first pass a backward pass follows (a model that only predicts never needs them),
 * and the ND4J head and weight buffers are not allocated. The residual stream is {@code Scratch.x}, updated in place:
 * the backward pass never reads it (the LayerNorm caches hold what it needs).
 */
final class BlockCache implements AutoCloseable {
  final LayerNorm.Cache ln1;
  final LayerNorm.Cache ln2;
  final INDArray qkv;       // [N, 3d] = q | k | v
  // the ND4J-op and scalar host paths (null with the vector kernels):
  final INDArray qkvPerm;   // [3, B, H, T, d/H] strided view of qkv
  final INDArray qkvh;      // [3, B, H, T, d/H] contiguous copy; qh, kh, vh are its three [B, H, T, d/H] slices
  final INDArray qh, kh, vh;
  final INDArray ctxPerm;   // [B, H, T, d/H] strided view of ctx
  final INDArray ctxh;      // [B, H, T, d/H] contiguous
  final INDArray att;       // [B, H, T, T] attention weights
  final INDArray att2;      // att seen as [B·H·T, T]
  // the vector kernels (null until keepForBackward, and off them): q | k | v as heads [3, B, H, T, d/H], the
  // weights in the lane layout of VectorKernels.attention, [B, H, ⌈T/W⌉, T, W]
  float[] headsF;
  float[] attF;
  float[] uF;          // the vector kernels' copy of u, and 1 + erf u, [N, ff], for GELU's backward
  float[] onePlusErfF;
  private final int n;
  private final int d;
  private final int f;
  private final int attLen;
  final INDArray ctxOnes;   // [N, d+1]: heads concatenated, then 1 (Ops.withOnes)
  final INDArray u;         // [N, ff] z/√2, z the feed-forward pre-activation
  final INDArray erfp;      // [N, ff] 1 + erf(u), for the ND4J-op backward (null with host kernels)
  final INDArray gelOnes;   // [N, ff+1]: √2·GELU(z) = u·(1 + erf(u)), then √2 (Ops.withOnes: W2's bias folded in)
  final INDArray gel;       // its leading [N, ff] columns
  final INDArray qk, qkLo, qkHi; // rotary on the ND4J-op path: q|k head vectors of qkvh as [2·B·H·T, d/H], its halves

  BlockCache(ModelSpec spec, DataType dt, boolean hostKernels, boolean vectorKernels, int b, int t) {
    int n = b * t;
    int d = spec.dModel();
    int f = spec.ffDim();
    int h = spec.heads();
    int dh = spec.headDim();
    ln1 = new LayerNorm.Cache(n, d, dt, true);
    ln2 = new LayerNorm.Cache(n, d, dt, true);
    qkv = Nd4j.create(dt, n, 3L * d);
    ctxOnes = Ops.withOnes(dt, n, d, 1.0);
    this.n = n;
    this.d = d;
    this.f = f;
    if (vectorKernels) {
      attLen = VectorKernels.weightsLength(b, h, t);
      qkvPerm = qkvh = qh = kh = vh = att = att2 = ctxh = ctxPerm = null;
    } else {
      attLen = 0;
      qkvPerm = Scratch.heads3(qkv, spec, b, t);
      qkvh = Nd4j.create(dt, 3, b, h, t, dh);
      qh = Scratch.part(qkvh, 0);
      kh = Scratch.part(qkvh, 1);
      vh = Scratch.part(qkvh, 2);
      att = Nd4j.create(dt, b, h, t, t);
      att2 = att.reshape('c', (long) b * h * t, t);
      ctxh = Nd4j.create(dt, b, h, t, dh);
      // [B, H, T, d/H] view of the leading d columns (rows of d+1): built from strides, as reshape could copy
      ctxPerm = Nd4j.create(ctxOnes.data(), new long[] {b, t, h, dh}, new long[] {(long) t * (d + 1), d + 1, dh, 1}, 0L,
          'c', dt).permute(0, 2, 1, 3);
    }
    u = Nd4j.create(dt, n, f);
    erfp = hostKernels ? null : Nd4j.create(dt, n, f);
    gelOnes = Ops.withOnes(dt, n, f, Math.sqrt(2.0));
    gel = Ops.leading(gelOnes);
    if (spec.positional().rotary() && !hostKernels) {
      long rows = 2L * b * h * t;
      qk = Scratch.columns(qkvh, 0, dh, rows);
      qkLo = Scratch.columns(qkvh, 0, dh / 2, rows);
      qkHi = Scratch.columns(qkvh, dh / 2, dh / 2, rows);
    } else {
      qk = qkLo = qkHi = null;
    }
  }

  /** The vector kernels' arrays that a backward pass reads, allocated on first use. */
  void keepForBackward() {
    if (headsF == null) {
      headsF = new float[3 * n * d];
      attF = new float[attLen];
      uF = new float[n * f];
      onePlusErfF = new float[n * f];
    }
  }

  @Override
  public void close() {
    // the permuted and reshaped views share their parent's buffer
    for (INDArray a : new INDArray[] {qkv, qkvh, att, ctxh, ctxOnes, u, erfp, gelOnes}) {
      if (a != null) {
        a.close();
      }
    }
    ln1.close();
    ln2.close();
  }
}
