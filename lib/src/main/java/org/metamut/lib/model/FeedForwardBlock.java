package org.metamut.lib.model;

import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;

import static org.metamut.lib.model.Ops.gemm;
import static org.metamut.lib.model.Ops.linear;
import static org.metamut.lib.model.Ops.residualLinear;

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
    linear(c.ln2.out, p.w1[i], p.b1[i], c.z, 0.0);
    // exact GELU 0.5·z·(1 + erf(u)), u = z/√2: c.gel holds 2·GELU(z) and the ½ is the matmul's alpha (one op fewer);
    // u and 1 + erf(u) are kept for the backward pass
    c.z.mul(1.0 / Math.sqrt(2.0), c.u);
    Nd4j.exec(new Erf(c.u, c.erfp));
    c.erfp.addi(1.0);
    c.z.mul(c.erfp, c.gel);
    residualLinear(c.x1, c.gel, p.w2[i], p.b2[i], s.x0[i + 1], 0.5);
  }

  /** On entry s.dX holds ∂L/∂x0[i+1]; on exit ∂L/∂x1[i]. Writes the gradients of LN2, W1, b1, W2, b2 of block i. */
  void backward(Scratch s, int i) {
    BlockCache c = s.blocks[i];
    Nd4j.exec(new Sum(s.dX, g.b2[i], 0));
    gemm(c.gel, s.dX, g.w2[i], true, false, 0.5, 0.0); // c.gel is 2·GELU
    // s.dG = ½·∂L/∂GELU; GELU'(z) = 0.5·(1 + erf(u)) + z·φ(z) = 0.5·((1 + erf(u)) + u·(2/√π)·exp(−u²)), u = z/√2,
    // with the constant folded into the exponent: six ops where the textbook form took eight
    gemm(s.dX, p.w2[i], s.dG, false, true, 0.5, 0.0);
    c.u.mul(c.u, s.tF);
    s.tF.rsubi(Math.log(2.0 / Math.sqrt(Math.PI)));
    Nd4j.exec(new Exp(s.tF, s.tF));
    s.tF.muli(c.u);
    s.tF.addi(c.erfp);
    s.tF.mul(s.dG, s.dZ);
    Nd4j.exec(new Sum(s.dZ, g.b1[i], 0));
    gemm(c.ln2.out, s.dZ, g.w1[i], true, false, 0.0);
    gemm(s.dZ, p.w1[i], s.dH, false, true, 0.0);
    layerNorm.backward(s, s.dH, c.ln2, p.ln2g[i], g.ln2g[i], g.ln2b[i]);
  }
}
