package org.metamut.lib.model;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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

  /**
   * A contiguous [rows, cols + 1] array whose last column is {@code one} (set once, never written again): the input of
   * a dense layer with its bias folded in. Why: a weight W [cols, out] is followed by its bias b [out] in θ, so
   * {@code [W; b]} is one contiguous [cols + 1, out] view, {@code [x, 1]·[W; b] = x·W + b} is one matmul (no bias
   * add) and {@code [x, 1]ᵀ·dy} is ∂W and ∂b at once (no column-sum op, which measured ~2× a matmul's time).
   */
  static INDArray withOnes(DataType dt, long rows, long cols, double one) {
    INDArray a = Nd4j.create(dt, rows, cols + 1);
    a.getColumn(cols).assign(one);
    return a;
  }

  /** The leading [rows, cols] columns of a {@link #withOnes} array, as a strided view to write activations into. */
  static INDArray leading(INDArray withOnes) {
    long rows = withOnes.size(0);
    long cols = withOnes.size(1) - 1;
    return Nd4j.create(withOnes.data(), new long[] {rows, cols}, new long[] {cols + 1, 1}, 0L, 'c', withOnes.dataType());
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
