package org.metamut.jobs.score;

import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.Arrays;
import java.util.List;

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
    return sgd(model, theta0, List.of(support), steps, learningRate);
  }

  /**
   * The same full-batch SGD with the support set split into chunks (so a larger labelled set never needs one
   * huge batch): loss and gradient are the example-weighted means over the chunks, i.e. exactly those of the
   * whole set.
   */
  public static Result sgd(FlatModel model, double[] theta0, List<TokenBatch> support, int steps, double learningRate) {
    if (steps < 0) {
      throw new IllegalArgumentException("adaptation steps must be >= 0, got " + steps);
    }
    if (support.isEmpty()) {
      throw new IllegalArgumentException("adaptation needs at least one labelled variant");
    }
    double[] theta = Arrays.copyOf(theta0, theta0.length);
    double[] grad = new double[theta.length];
    double[] part = new double[theta.length];
    double before = loss(model, theta, support);
    for (int s = 0; s < steps; s++) {
      Arrays.fill(grad, 0);
      double loss = 0;
      int n = 0;
      for (TokenBatch b : support) {
        n += b.batchSize();
      }
      for (TokenBatch b : support) {
        double w = (double) b.batchSize() / n;
        loss += w * model.lossAndGradient(theta, b, part);
        for (int i = 0; i < grad.length; i++) {
          grad[i] += w * part[i];
        }
      }
      if (!Double.isFinite(loss)) {
        throw new IllegalStateException("adaptation diverged at step " + s + " (loss " + loss
            + "); lower metamut.score.adapt.learning-rate");
      }
      for (int i = 0; i < theta.length; i++) {
        theta[i] -= learningRate * grad[i];
      }
    }
    double after = loss(model, theta, support);
    return new Result(theta, before, after, steps);
  }

  /** Mean squared error over all chunks. */
  public static double loss(FlatModel model, double[] theta, List<TokenBatch> support) {
    double sum = 0;
    int n = 0;
    for (TokenBatch b : support) {
      sum += model.loss(theta, b) * b.batchSize();
      n += b.batchSize();
    }
    return sum / n;
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
