package org.metamut.lib.meta;

import org.metamut.lib.optim.GradientClipping;
import org.metamut.lib.optim.OuterOptimizer;

/**
 * The driver's half of an outer step, shared by the Spark job and in-process loops: refuse a failed or
 * incomplete aggregate, average, clip, apply the optimiser to a copy of φ and accept it only if every value is
 * finite. φ is never left half-updated or non-finite.
 */
public final class OuterStep {
  private OuterStep() {
  }

  /** What one outer step did. */
  public record Summary(long step, double preLoss, double postLoss, double gradNorm, boolean clipped) {
  }

  /**
   * Applies the step in place to {@code phi}.
   *
   * @throws NonFiniteException if a task failed (its message names task and inner step) or the update would make
   *                            φ non-finite
   */
  public static Summary apply(long step, MetaGradientAggregator agg, OuterOptimizer opt, double clipNorm, double[] phi) {
    return apply(step, agg, opt, clipNorm, phi, 1.0);
  }

  /**
   * As {@link #apply(long, MetaGradientAggregator, OuterOptimizer, double, double[])}, with the optimiser's update
   * scaled by {@code rateScale} (the outer rate lowered after skipped non-finite steps). Both optimisers' updates
   * are linear in their rate, so this is the update at {@code rateScale} times the rate; at 1 the update is the
   * optimiser's own, bit for bit.
   */
  public static Summary apply(long step, MetaGradientAggregator agg, OuterOptimizer opt, double clipNorm, double[] phi,
                              double rateScale) {
    if (agg.firstError() != null) {
      throw new NonFiniteException("outer step " + step + ": " + agg.firstError() + "; θ was left at step " + (step - 1));
    }
    double[] g = agg.meanGradient();
    for (int i = 0; i < g.length; i++) {
      if (!Double.isFinite(g[i])) {
        throw new NonFiniteException("outer step " + step + ": mean meta-gradient is " + g[i] + " at index " + i);
      }
    }
    double norm = GradientClipping.clipInPlace(g, clipNorm);
    double[] next = phi.clone();
    opt.step(next, g);
    if (rateScale != 1.0) {
      for (int i = 0; i < next.length; i++) {
        next[i] = phi[i] + rateScale * (next[i] - phi[i]);
      }
    }
    for (int i = 0; i < next.length; i++) {
      if (!Double.isFinite(next[i])) {
        throw new NonFiniteException("outer step " + step + ": the " + opt.name() + " update makes parameter " + i
            + " " + next[i] + "; θ was left at step " + (step - 1));
      }
    }
    System.arraycopy(next, 0, phi, 0, phi.length);
    return new Summary(step, agg.meanPreLoss(), agg.meanPostLoss(), norm, clipNorm > 0 && norm > clipNorm);
  }
}
