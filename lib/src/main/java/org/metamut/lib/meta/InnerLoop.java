package org.metamut.lib.meta;

import java.io.Serializable;

/**
 * Inner-loop settings shared by every learner.
 *
 * @param steps           SGD steps on the support set (&gt;= 1)
 * @param learningRate    inner learning rate α (the initial value of every per-parameter rate when learned)
 * @param learnedRates    Meta-SGD: one inner learning rate per parameter, meta-learned with θ (MAML family only)
 * @param hvpRelativeStep finite-difference step for Hessian-vector products, relative:
 *                        ε = hvpRelativeStep · max(‖θ‖, 1) / ‖u‖ (see {@link FiniteDifferenceHvp}: 1e-6 for
 *                        float64 models, 5e-5 for float32)
 * @param hvpCentral      central differences (2 gradient calls per product, O(ε²) error) instead of forward
 *                        differences (1 extra call, O(ε) error)
 */
public record InnerLoop(int steps, double learningRate, boolean learnedRates, double hvpRelativeStep,
                        boolean hvpCentral) implements Serializable {
  private static final long serialVersionUID = 1L;

  public InnerLoop {
    if (steps < 1) {
      throw new IllegalArgumentException("inner steps must be >= 1, got " + steps);
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("inner learning rate must be a finite number > 0, got " + learningRate);
    }
    if (!(hvpRelativeStep > 0) || hvpRelativeStep > 1e-1) {
      throw new IllegalArgumentException("HVP relative step must be in (0, 0.1], got " + hvpRelativeStep);
    }
  }

  /** Plain SGD inner loop with central-difference HVPs at the float64 default step. */
  public static InnerLoop sgd(int steps, double learningRate) {
    return new InnerLoop(steps, learningRate, false, FiniteDifferenceHvp.DEFAULT_STEP_FLOAT64, true);
  }

  public InnerLoop withLearnedRates(boolean learned) {
    return new InnerLoop(steps, learningRate, learned, hvpRelativeStep, hvpCentral);
  }

  public InnerLoop withHvp(double relativeStep, boolean central) {
    return new InnerLoop(steps, learningRate, learnedRates, relativeStep, central);
  }
}
