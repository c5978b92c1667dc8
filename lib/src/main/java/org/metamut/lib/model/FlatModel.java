package org.metamut.lib.model;

/**
 * A differentiable regressor seen as a pure function of one flat parameter vector θ: the view that
 * meta-learning needs (evaluate the loss and its gradient at any θ, e.g. at adapted parameters θ'),
 * without rebuilding anything between calls.
 *
 * <p>θ is a {@code double[]} at this boundary, whatever precision the model computes in: the same API
 * then serves float64 checks against reference numbers and float32 compute, and sums of meta-gradients
 * accumulate in double on the driver. The layout of θ is fixed by the model's architecture and documented
 * by the implementation.
 *
 * <p>Implementations are not thread-safe (they keep scratch buffers); use one instance per thread.
 */
public interface FlatModel extends AutoCloseable {

  /** Number of parameters (length of θ). */
  int numParams();

  /** Predictions, one per example of the batch. */
  double[] predict(double[] theta, TokenBatch batch);

  /** Mean squared error over the batch (no ½ factor). */
  double loss(double[] theta, TokenBatch batch);

  /**
   * The loss, with its gradient with respect to θ written into {@code grad} (length {@link #numParams()},
   * overwritten, not accumulated).
   */
  double lossAndGradient(double[] theta, TokenBatch batch, double[] grad);

  /** Releases native memory held by the model; the default holds none. */
  @Override
  default void close() {
  }
}
