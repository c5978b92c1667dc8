package org.metamut.jobs.score;

import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.Arrays;

/**
 * Few-shot adaptation: plain SGD {@code θ ← θ − α ∇L_support(θ)} on the whole labelled set, {@code steps}
 * times: the same inner loop as MAML (DESIGN.md §6), so a meta-trained initialisation is used exactly the way
 * it was trained for. Labels are normalised from the labelled set only (z-score).
 *
 * <p>Note: a local loop over {@link FlatModel#lossAndGradient}; when the maml branch's inner loop
 * ({@code org.metamut.lib.meta}) is merged, this should delegate to it.
 */
public final class Adaptation {
  private Adaptation() {
  }

  /** Loss before and after, and the adapted θ. */
  public record Result(double[] theta, double lossBefore, double lossAfter, int steps) {
  }

  public static Result sgd(FlatModel model, double[] theta0, TokenBatch support, int steps, double learningRate) {
    if (steps < 0) {
      throw new IllegalArgumentException("adaptation steps must be >= 0, got " + steps);
    }
    double[] theta = Arrays.copyOf(theta0, theta0.length);
    double[] grad = new double[theta.length];
    double before = model.loss(theta, support);
    for (int s = 0; s < steps; s++) {
      double loss = model.lossAndGradient(theta, support, grad);
      if (!Double.isFinite(loss)) {
        throw new IllegalStateException("adaptation diverged at step " + s + " (loss " + loss
            + "); lower metamut.score.adapt.learning-rate");
      }
      for (int i = 0; i < theta.length; i++) {
        theta[i] -= learningRate * grad[i];
      }
    }
    double after = model.loss(theta, support);
    return new Result(theta, before, after, steps);
  }

  /** Mean and (population) standard deviation; sd 1 when the labels are constant or there is one. */
  public static double[] meanSd(double[] y) {
    double mean = 0;
    for (double v : y) {
      mean += v;
    }
    mean /= y.length;
    double var = 0;
    for (double v : y) {
      var += (v - mean) * (v - mean);
    }
    double sd = Math.sqrt(var / y.length);
    return new double[] {mean, sd > 0 && Double.isFinite(sd) ? sd : 1.0};
  }
}
