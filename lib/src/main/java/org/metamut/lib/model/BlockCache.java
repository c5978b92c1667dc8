package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The activations of one transformer block at batch shape (B, T) that its backward pass reads: the LayerNorm caches,
 * q, k, v and the attention context (both as [N, d] and as contiguous [B, H, T, d/H] head copies), the attention
 * weights, the residual stream after attention ({@link #x1}) and the feed-forward pre-activation and GELU parts.
 * The block's input and output are {@code Scratch.x0[i]} and {@code Scratch.x0[i + 1]}.
 */
final class BlockCache implements AutoCloseable {
  final INDArray x1;        // [N, d] after attention
  final LayerNorm.Cache ln1;
  final LayerNorm.Cache ln2;
  final INDArray q, k, v;   // [N, d]
  final INDArray qPerm, kPerm, vPerm, ctxPerm; // [B, H, T, d/H] strided views of q, k, v, ctx
  final INDArray qh, kh, vh, ctxh;             // [B, H, T, d/H] contiguous copies
  final INDArray att;       // [B, H, T, T] attention weights
  final INDArray att2;      // att seen as [B·H·T, T]
  final INDArray ctx;       // [N, d] heads concatenated
  final INDArray z;         // [N, ff] feed-forward pre-activation
  final INDArray erfp;      // [N, ff] 1 + erf(z/√2)
  final INDArray gel;       // [N, ff] GELU(z)

  BlockCache(ModelSpec spec, DataType dt, boolean hostKernels, int b, int t) {
    int n = b * t;
    int d = spec.dModel();
    int f = spec.ffDim();
    int h = spec.heads();
    int dh = spec.headDim();
    x1 = Nd4j.create(dt, n, d);
    ln1 = new LayerNorm.Cache(n, d, dt, hostKernels);
    ln2 = new LayerNorm.Cache(n, d, dt, hostKernels);
    q = Nd4j.create(dt, n, d);
    k = Nd4j.create(dt, n, d);
    v = Nd4j.create(dt, n, d);
    qPerm = Scratch.heads(q, spec, b, t);
    kPerm = Scratch.heads(k, spec, b, t);
    vPerm = Scratch.heads(v, spec, b, t);
    qh = Nd4j.create(dt, b, h, t, dh);
    kh = Nd4j.create(dt, b, h, t, dh);
    vh = Nd4j.create(dt, b, h, t, dh);
    att = Nd4j.create(dt, b, h, t, t);
    att2 = att.reshape('c', (long) b * h * t, t);
    ctxh = Nd4j.create(dt, b, h, t, dh);
    ctx = Nd4j.create(dt, n, d);
    ctxPerm = Scratch.heads(ctx, spec, b, t);
    z = Nd4j.create(dt, n, f);
    erfp = Nd4j.create(dt, n, f);
    gel = Nd4j.create(dt, n, f);
  }

  @Override
  public void close() {
    // the permuted and reshaped views share their parent's buffer
    for (INDArray a : new INDArray[] {x1, q, k, v, qh, kh, vh, att, ctxh, ctx, z, erfp, gel}) {
      a.close();
    }
    ln1.close();
    ln2.close();
  }
}
