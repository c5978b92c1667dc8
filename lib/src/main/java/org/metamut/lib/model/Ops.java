package org.metamut.lib.model;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The matrix products every part of the {@link Transformer} uses, each writing into a preallocated output: plain
 * {@code Nd4j.gemm} for 2-D and {@code Mmul} with explicit transposes for the batched [B, H, T, ·] attention products
 * (DESIGN.md §8: allocating {@code mmul} was the slow path).
 */
final class Ops {

  private Ops() {
  }

  /** out = beta·out + x·W + b (b broadcast over rows). */
  static void linear(INDArray x, INDArray w, INDArray bias, INDArray out, double beta) {
    gemm(x, w, out, false, false, beta);
    Nd4j.exec(new BroadcastAddOp(out, bias, out, 1));
  }

  /**
   * out = residual + alpha·x·W + b: the bias add doubles as the copy of the residual (two native ops where
   * copy + matmul + bias add were three).
   */
  static void residualLinear(INDArray residual, INDArray x, INDArray w, INDArray bias, INDArray out, double alpha) {
    Nd4j.exec(new BroadcastAddOp(residual, bias, out, 1));
    Nd4j.gemm(x, w, out, false, false, alpha, 1.0);
  }

  static void gemm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double beta) {
    Nd4j.gemm(a, b, c, ta, tb, 1.0, beta);
  }

  /** c = alpha·op(a)·op(b) + beta·c. */
  static void gemm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
    Nd4j.gemm(a, b, c, ta, tb, alpha, beta);
  }

  /** Batched matmul over the leading dimensions, c = alpha·op(a)·op(b). */
  static void bmm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha) {
    bmm(a, b, c, ta, tb, alpha, 0.0);
  }

  /** c = alpha·op(a)·op(b) + beta·c. */
  static void bmm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
    Nd4j.exec(new Mmul(a, b, c, alpha, beta, MMulTranspose.builder().transposeA(ta).transposeB(tb).build()));
  }
}
