package org.metamut.lib.model;

import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;

import static org.metamut.lib.model.Ops.gemm;

/**
 * The feed-forward half of pre-LayerNorm block i (DESIGN.md §6), forward and backward:
 * {@code x0[i+1] = x1 + GELU(LN2(x1)·W1 + b1)·W2 + b2} with exact GELU {@code 0.5·z·(1 + erf(z/√2))}.
 */
final class FeedForwardBlock {
  private final ParamViews p;
  private final ParamViews g;
  private final LayerNorm layerNorm;

  FeedForwardBlock(ParamViews p, ParamViews g, LayerNorm layerNorm) {
    this.p = p;
    this.g = g;
    this.layerNorm = layerNorm;
  }

  /** Reads s.blocks[i].x1, writes the block's feed-forward activations and s.x0[i + 1]. */
  void forward(Scratch s, int i) {
    BlockCache c = s.blocks[i];
    layerNorm.forward(s, c.x1, p.ln2g[i], p.ln2b[i], c.ln2);
    gemm(c.ln2.outOnes, p.w1B[i], c.z, false, false, 0.0);
    // exact GELU 0.5·z·(1 + erf(u)), u = z/√2: c.gel holds 2·GELU(z) and the ½ is the matmul's alpha (one op fewer);
    // u and 1 + erf(u) are kept for the backward pass
    c.z.mul(1.0 / Math.sqrt(2.0), c.u);
    Nd4j.exec(new Erf(c.u, c.erfp));
    c.erfp.addi(1.0);
    c.z.mul(c.erfp, c.gel);
    s.x0[i + 1].assign(c.x1);
    gemm(c.gelOnes, p.w2B[i], s.x0[i + 1], false, false, 0.5, 1.0);
  }

  /** On entry s.dX holds ∂L/∂x0[i+1]; on exit ∂L/∂x1[i]. Writes the gradients of LN2, W1, b1, W2, b2 of block i. */
  void backward(Scratch s, int i) {
    BlockCache c = s.blocks[i];
    gemm(c.gelOnes, s.dX, g.w2B[i], true, false, 0.5, 0.0); // ∂W2 and ∂b2 (c.gelOnes is [2·GELU, 2])
    // s.dG = ½·∂L/∂GELU; GELU'(z) = 0.5·(1 + erf(u)) + z·φ(z) = 0.5·((1 + erf(u)) + u·(2/√π)·exp(−u²)), u = z/√2,
    // with the constant folded into the exponent: six ops where the textbook form took eight
    gemm(s.dX, p.w2[i], s.dG, false, true, 0.5, 0.0);
    c.u.mul(c.u, s.tF);
    s.tF.rsubi(Math.log(2.0 / Math.sqrt(Math.PI)));
    Nd4j.exec(new Exp(s.tF, s.tF));
    s.tF.muli(c.u);
    s.tF.addi(c.erfp);
    s.tF.mul(s.dG, s.dZ);
    gemm(c.ln2.outOnes, s.dZ, g.w1B[i], true, false, 0.0); // ∂W1 and ∂b1
    gemm(s.dZ, p.w1[i], s.dH, false, true, 0.0);
    layerNorm.backward(s, s.dH, c.ln2, p.ln2g[i], g.ln2g[i], g.ln2b[i]);
  }
}
