package org.metamut.lib.model;

import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;

import static org.metamut.lib.model.Ops.gemm;

/**
 * The feed-forward half of pre-LayerNorm block i (DESIGN.md §6), forward and backward:
 * {@code x ← x + GELU(LN2(x)·W1 + b1)·W2 + b2} with exact GELU {@code 0.5·z·(1 + erf(z/√2))}, on the residual stream
 * {@code s.x} in place.
 *
 * <p>Computed in u = z/√2 to save ops: the first matmul runs with alpha 1/√2 and writes u; {@code c.gel} holds
 * {@code u·(1 + erf(u)) = √2·GELU(z)}, and the second matmul runs with alpha 1/√2; three elementwise ops forward where
 * z/√2, erf, +1, ·z, ·½ took five, and z is never stored. Both biases are folded into their matmuls
 * ({@link Ops#withOnes}): b1 after LN2's output, b2 after the GELU's, whose constant column is √2 so that the second
 * matmul's alpha of 1/√2 leaves b2 as it is. Why: ND4J's broadcast add of b2 over [N, d] took as long as the second
 * matmul itself (~150 µs for the reference model, profiled), and its gradient a third matmul. The host kernels write
 * the GELU row by row into the strided layout; the ND4J-op path writes it through a strided view (slower on the CPU,
 * where that path only runs in tests).
 */
final class FeedForwardBlock {
  static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

  private final ParamViews p;
  private final ParamViews g;
  private final LayerNorm layerNorm;
  private final HostKernels host; // null: GELU and its backward run as ND4J ops

  FeedForwardBlock(ParamViews p, ParamViews g, LayerNorm layerNorm, HostKernels host) {
    this.p = p;
    this.g = g;
    this.layerNorm = layerNorm;
    this.host = host;
  }

  /**
   * Reads and updates the residual stream s.x; writes the block's feed-forward activations, and with
   * {@code backwardFollows} also what only the backward pass reads (the vector kernels' copies of u and 1 + erf u).
   */
  void forward(Scratch s, int i, boolean backwardFollows) {
    BlockCache c = s.blocks[i];
    layerNorm.forward(s, s.x, p.ln2g[i], p.ln2b[i], c.ln2);
    gemm(c.ln2.outOnes, p.w1B[i], c.u, false, false, INV_SQRT2, 0.0); // u = z/√2
    if (host != null) {
      host.gelu(s, c, backwardFollows); // √2·GELU(z), one pass (ND4J's erf op costs up to 25 ns per element: ErfTable)
    } else {
      Nd4j.exec(new Erf(c.u, c.erfp));
      c.erfp.addi(1.0);
      c.u.mul(c.erfp, c.gel); // √2·GELU(z)
    }
    gemm(c.gelOnes, p.w2B[i], s.x, false, false, INV_SQRT2, 1.0); // + b2 (the constant column is √2)
  }

  /** On entry s.dX holds ∂L/∂x after the block; on exit before it. Writes the gradients of LN2, W1, b1, W2, b2. */
  void backward(Scratch s, int i) {
    BlockCache c = s.blocks[i];
    gemm(c.gelOnes, s.dX, g.w2B[i], true, false, INV_SQRT2, 0.0); // ∂W2 and ∂b2
    // s.dG = ∂L/∂GELU / √2; GELU'(z) = 0.5·(1 + erf(u)) + z·φ(z) = 0.5·((1 + erf(u)) + u·(2/√π)·exp(−u²)), with
    // the constant folded into the exponent; s.dZ = dG·2·GELU' = √2·∂L/∂z, and the last two matmuls take the 1/√2
    gemm(s.dX, p.w2[i], s.dG, false, true, INV_SQRT2, 0.0);
    if (host != null) {
      host.geluBackward(s, c, s.dG, s.dZ);
    } else {
      c.u.mul(c.u, s.tF);
      s.tF.rsubi(Math.log(2.0 / Math.sqrt(Math.PI)));
      Nd4j.exec(new Exp(s.tF, s.tF));
      s.tF.muli(c.u);
      s.tF.addi(c.erfp);
      s.tF.mul(s.dG, s.dZ);
    }
    gemm(c.ln2.outOnes, s.dZ, g.w1B[i], true, false, INV_SQRT2, 0.0); // ∂W1 and ∂b1
    gemm(s.dZ, p.w1[i], s.dH, false, true, INV_SQRT2, 0.0);
    layerNorm.backward(s, s.dH, c.ln2, p.ln2g[i], g.ln2g[i], g.ln2b[i]);
  }
}
