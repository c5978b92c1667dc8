package org.metamut.lib.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

import static org.metamut.lib.model.Ops.bmm;
import static org.metamut.lib.model.Ops.gemm;

/**
 * The attention half of pre-LayerNorm block i (DESIGN.md §6), forward and backward:
 * {@code x ← x + concat_h(softmax(q·kᵀ/√(d/H) + mask)·v)·Wo + bo} with q, k, v = LN1(x)·W + b, H contiguous heads, on
 * the residual stream {@code s.x} in place. With rotary positions ({@link Rotary}) q and k are rotated after the
 * projection and before the scores, and their gradients rotated back (the transpose) before the projection's backward.
 */
final class AttentionBlock {
  private final ParamViews p;
  private final ParamViews g;
  private final LayerNorm layerNorm;
  private final HostKernels host; // null: the softmax backward runs as ND4J ops
  private final double scale;
  private final boolean rotary;

  AttentionBlock(ModelSpec spec, ParamViews p, ParamViews g, LayerNorm layerNorm, HostKernels host) {
    this.p = p;
    this.g = g;
    this.layerNorm = layerNorm;
    this.host = host;
    this.scale = 1.0 / Math.sqrt(spec.headDim());
    this.rotary = spec.positional().rotary();
  }

  /**
   * Rotary positions ({@link Rotary}) on q and k in place, forward ({@code sign} +1) or transposed (−1, on their
   * gradients): a host-kernel loop on the CPU backend, else ND4J ops on views, {@code x∘cos + swapHalves(x)∘sin±}.
   */
  private void rotate(Scratch s, INDArray qkvh, INDArray qk, INDArray lo, INDArray hi, double sign) {
    if (host != null) {
      host.rotary(s, qkvh, sign);
      return;
    }
    s.rotTmpLo.assign(hi);
    s.rotTmpHi.assign(lo);
    s.rotTmp.muli(s.rotSin);
    qk.muli(s.rotCos);
    if (sign > 0) {
      qk.addi(s.rotTmp);
    } else {
      qk.subi(s.rotTmp);
    }
  }

  /**
   * Reads and updates the residual stream s.x; writes the block's attention activations, and with
   * {@code backwardFollows} also those that only the backward pass reads (the heads and the weights).
   */
  void forward(Scratch s, int i, boolean backwardFollows) {
    BlockCache c = s.blocks[i];
    layerNorm.forward(s, s.x, p.ln1g[i], p.ln1b[i], c.ln1);
    // q | k | v (+ biases) as one [N, 3d] matmul (fused weights: ParamViews.fusedOrder)
    gemm(c.ln1.outOnes, p.wqkvB[i], c.qkv, false, false, 0.0);
    if (host != null && host.attentionOnHost()) {
      host.attention(s, c, scale, backwardFollows); // heads, rotary, scores, softmax and context in one pass
    } else {
      c.qkvh.assign(c.qkvPerm);
      if (rotary) {
        rotate(s, c.qkvh, c.qk, c.qkLo, c.qkHi, 1.0); // qh and kh now hold the rotated q and k, which backward reads
      }
      // scores = mask + scale·q·kᵀ: copying the precomputed [B,H,T,T] mask and accumulating (β = 1) into it was
      // cheaper than broadcasting a [B,T] mask over heads and queries (profiled)
      c.att.assign(s.input.maskFull());
      bmm(c.qh, c.kh, c.att, false, true, scale, 1.0);
      // softmax over keys on a 2-D [B·H·T, T] view: on the rank-4 array ND4J's kernel was 5× slower (profiled)
      Nd4j.exec(new SoftMax(c.att2, c.att2, 1));
      bmm(c.att, c.vh, c.ctxh, false, false, 1.0);
      c.ctxPerm.assign(c.ctxh);
    }
    gemm(c.ctxOnes, p.woB[i], s.x, false, false, 1.0);
  }

  /** On entry s.dX holds ∂L/∂x after the block's attention; on exit before it. Writes the gradients of LN1, Wq..bo. */
  void backward(Scratch s, int i) {
    BlockCache c = s.blocks[i];
    gemm(c.ctxOnes, s.dX, g.woB[i], true, false, 0.0); // ∂Wo and ∂bo
    gemm(s.dX, p.wo[i], s.dCtx, false, true, 0.0);
    if (host != null && host.attentionOnHost()) {
      host.attentionBackward(s, c, scale); // ∂ctx → ∂(q | k | v) as [N, 3d], through the forward's heads and weights
    } else {
      attentionBackwardNd4j(s, c);
    }
    gemm(c.ln1.outOnes, s.dQKV, g.wqkvB[i], true, false, 0.0); // ∂W and ∂b of q, k, v
    gemm(s.dQKV, p.wqkv[i], s.dH, false, true, 0.0);
    layerNorm.backward(s, s.dH, c.ln1, p.ln1g[i], g.ln1g[i], g.ln1b[i]);
  }

  /** ∂L/∂ctx in s.dCtx to ∂L/∂(q | k | v) in s.dQKV as ND4J's batched matmuls (and the host softmax backward). */
  private void attentionBackwardNd4j(Scratch s, BlockCache c) {
    s.dCh.assign(s.dCtxPerm);
    bmm(s.dCh, c.vh, s.dA, false, true, 1.0);
    bmm(c.att, s.dCh, s.dVh, true, false, 1.0);
    // softmax backward: dS = A ∘ (dA − Σ_k dA∘A)
    if (host != null) {
      host.softmaxBackward(s, c.att);
    } else {
      s.dA.mul(c.att, s.tA);
      Nd4j.exec(new Sum(s.tA, s.rs, 3));
      Nd4j.exec(new BroadcastSubOp(s.dA, s.rs, s.dA, 0, 1, 2));
      s.dA.muli(c.att);
    }
    bmm(s.dA, c.kh, s.dQh, false, false, scale);
    bmm(s.dA, c.qh, s.dKh, true, false, scale);
    if (rotary) {
      rotate(s, s.dQKVh, s.dQK, s.dQKLo, s.dQKHi, -1.0); // ∂L/∂(rotated q, k) → ∂L/∂q, ∂L/∂k
    }
    s.dQKVPerm.assign(s.dQKVh);
  }
}
