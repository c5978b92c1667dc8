package org.metamut.lib.optim;

/**
 * Applies one update to a flat parameter vector in place, given the (already averaged and clipped) gradient.
 * Stateful (moments, step count); the state round-trips through {@link #state()}/{@link #restore} for
 * checkpoints. Not thread-safe: the driver owns the one instance.
 */
public interface OuterOptimizer {

  /** A short name for logs and checkpoints, e.g. {@code adam}. */
  String name();

  /** Updates {@code params} in place with {@code grad}; both have the optimiser's dimension. */
  void step(double[] params, double[] grad);

  /** Number of updates applied so far. */
  long steps();

  /** The whole state as named arrays (scalars as length-1 arrays), for checkpoints. */
  java.util.Map<String, double[]> state();

  /** Restores a state produced by {@link #state()} of an optimiser with the same settings and dimension. */
  void restore(java.util.Map<String, double[]> state);

  /** Rejects non-finite values with a message naming the first bad index. */
  static void requireFinite(double[] v, String what) {
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new IllegalArgumentException(what + " is not finite at index " + i + " (" + v[i] + ")");
      }
    }
  }
}
