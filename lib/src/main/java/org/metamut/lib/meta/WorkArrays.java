package org.metamut.lib.meta;

import java.util.Arrays;

/**
 * The parameter-length work arrays of one thread's per-task computations (adapted θ per inner step, gradients,
 * Hessian-vector products), reused from task to task.
 *
 * <p>Why: the tasks of a partition run one after another on one executor thread, and each used to allocate its own.
 * A second-order MAML task of the reference model allocated 12 arrays of 73k doubles (7 MB); each is over G1's
 * humongous threshold (half a 1 MB region at the driver's default heap), so they went straight to the old
 * generation and set off concurrent cycles, whose CPU the second partition then lacked (its tasks finished 65–86 ms
 * after the first's, against 18 ms with larger regions, measured by {@code bench meta}). Only the meta-gradient each
 * task returns is still its own array.
 *
 * <p>One instance per thread ({@link #ofThisThread}); a caller owns its slots until it returns, so two computations
 * that could be active at once on one thread (none is nested today) must use different slots.
 */
final class WorkArrays {
  private static final ThreadLocal<WorkArrays> MINE = ThreadLocal.withInitial(WorkArrays::new);

  private double[][] arrays = new double[0][];
  private FiniteDifferenceHvp hvp;

  private WorkArrays() {
  }

  static WorkArrays ofThisThread() {
    return MINE.get();
  }

  /** Array number {@code slot}, of length {@code n}; it holds whatever its last user left in it. */
  double[] get(int slot, int n) {
    if (slot >= arrays.length) {
      arrays = Arrays.copyOf(arrays, slot + 1);
    }
    double[] a = arrays[slot];
    if (a == null || a.length != n) {
      a = new double[n];
      arrays[slot] = a;
    }
    return a;
  }

  /** A Hessian-vector product of these settings, its scratch arrays kept from one task to the next. */
  FiniteDifferenceHvp hvp(double relativeStep, boolean central) {
    if (hvp == null || hvp.relativeStep() != relativeStep || hvp.central() != central) {
      hvp = new FiniteDifferenceHvp(relativeStep, central);
    }
    return hvp;
  }
}
