package org.metamut.lib.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LayerNorm over the last dimension, {@code (x − mean)/√(biased var + 1e-5)·γ + β} (DESIGN.md §6), forward and
 * backward. Runs as the {@link HostKernels} when the model has them (CPU backend), else as ND4J ops (same maths,
 * tested against each other).
 */
final class LayerNorm {

  private final HostKernels host; // null: the ND4J-op path

  LayerNorm(HostKernels host) {
    this.host = host;
  }

  /**
   * The intermediates of one LayerNorm application, kept for the backward pass: x̂, 1/σ per row, the output. With
   * {@code ones} the output is the leading [N, d] view of {@link #outOnes} ([N, d+1], last column 1: the input of the
   * dense layer that follows, bias folded in, see {@link Ops#withOnes}).
   */
  static final class Cache implements AutoCloseable {
    final INDArray mean;
    final INDArray rstd;
    final INDArray xhat;
    final INDArray out;
    final INDArray outOnes; // [N, d+1] or null
    // the host kernels' copies of x̂ and 1/σ, in double or (vector kernels) float: allocated by them on first use
    double[] xhatH;
    double[] rstdH;
    float[] xhatF;
    float[] rstdF;

    Cache(int n, int d, DataType dt, boolean ones) {
      mean = Nd4j.create(dt, n);
      rstd = Nd4j.create(dt, n);
      xhat = Nd4j.create(dt, n, d);
      outOnes = ones ? Ops.withOnes(dt, n, d, 1.0) : null;
      out = ones ? Ops.leading(outOnes) : Nd4j.create(dt, n, d);
    }

    @Override
    public void close() {
      mean.close();
      rstd.close();
      xhat.close();
      (outOnes != null ? outOnes : out).close();
    }
  }

  /** out = LN(x)·γ + β over the last dimension, keeping x̂ and 1/σ. */
  void forward(Scratch s, INDArray x, INDArray gamma, INDArray beta, Cache c) {
    if (host != null) {
      host.layerNorm(s, x, (int) gamma.offset(), (int) beta.offset(), c);
      return;
    }
    Nd4j.exec(new Mean(x, c.mean, 1));
    Nd4j.exec(new BroadcastSubOp(x, c.mean, c.xhat, 0));
    // biased variance as mean((x − μ)²): ND4J's Variance op was 3× slower than these two ops (profiled)
    c.xhat.mul(c.xhat, s.tN);
    Nd4j.exec(new Mean(s.tN, c.rstd, 1));
    c.rstd.addi(Transformer.LN_EPS);
    Nd4j.exec(new RSqrt(c.rstd, c.rstd));
    Nd4j.exec(new BroadcastMulOp(c.xhat, c.rstd, c.xhat, 0));
    Nd4j.exec(new BroadcastMulOp(c.xhat, gamma, c.out, 1));
    Nd4j.exec(new BroadcastAddOp(c.out, beta, c.out, 1));
  }

  /**
   * Given dy = ∂L/∂out, writes ∂L/∂γ and ∂L/∂β and ADDS ∂L/∂x to s.dX (the residual stream's gradient):
   * dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂∘x̂))/σ with dx̂ = dy∘γ.
   */
  void backward(Scratch s, INDArray dy, Cache c, INDArray gamma, INDArray dGamma, INDArray dBeta) {
    if (host != null) {
      host.layerNormBackward(s, dy, c, (int) gamma.offset(), (int) dBeta.offset());
      return;
    }
    Nd4j.exec(new Sum(dy, dBeta, 0));
    dy.mul(c.xhat, s.tN);
    Nd4j.exec(new Sum(s.tN, dGamma, 0));
    Nd4j.exec(new BroadcastMulOp(dy, gamma, s.dxh, 1));
    Nd4j.exec(new Mean(s.dxh, s.r1, 1));
    s.dxh.mul(c.xhat, s.tN);
    Nd4j.exec(new Mean(s.tN, s.r2, 1));
    Nd4j.exec(new BroadcastMulOp(c.xhat, s.r2, s.tN, 0));
    Nd4j.exec(new BroadcastSubOp(s.dxh, s.r1, s.dxh, 0));
    s.dxh.subi(s.tN);
    Nd4j.exec(new BroadcastMulOp(s.dxh, c.rstd, s.dxh, 0));
    s.dX.addi(s.dxh);
  }
}
