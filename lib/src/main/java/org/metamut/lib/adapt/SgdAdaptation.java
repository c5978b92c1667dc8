package org.metamut.lib.adapt;

import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.Arrays;
import java.util.List;

/**
 * The one inner-loop SGD of metamut: {@code θₖ₊₁ = θₖ − a ⊙ ∇L(θₖ)} on a support set, {@code K} times, where a is
 * the per-parameter rate vector of an {@link AdaptationRecipe} (0 outside the adapted scope). Meta-training's inner
 * loop, meta-val, evaluation and scoring all run this code, so a model is adapted with the same arithmetic
 * everywhere. A support set may come in chunks (a large labelled set never needs one huge batch): the loss and
 * gradient are then the example-weighted means over the chunks, i.e. exactly those of the whole set; one chunk is
 * computed without any reweighting, so the single-batch path is bit-for-bit the plain update.
 */
public final class SgdAdaptation {
  private SgdAdaptation() {
  }

  /**
   * What the loop did.
   *
   * @param theta      θ after the last step completed (non-finite if the loop diverged)
   * @param firstLoss  support loss at the initial θ (NaN with zero steps)
   * @param divergedAt the step (1-based) whose loss or update was not finite, or 0 if none
   */
  public record Result(double[] theta, double firstLoss, int divergedAt) {
    public boolean diverged() {
      return divergedAt > 0;
    }
  }

  /** {@code steps} updates from {@code theta0} (not modified). Stops at the first non-finite loss or parameter. */
  public static Result run(FlatModel model, double[] theta0, double[] rates, List<TokenBatch> support, int steps) {
    if (support.isEmpty()) {
      throw new IllegalArgumentException("adaptation needs at least one support example");
    }
    double[] theta = Arrays.copyOf(theta0, theta0.length);
    double[] g = new double[theta.length];
    double[] part = support.size() > 1 ? new double[theta.length] : null;
    double first = Double.NaN;
    for (int k = 0; k < steps; k++) {
      double loss = lossAndGradient(model, theta, support, g, part);
      if (k == 0) {
        first = loss;
      }
      if (!Double.isFinite(loss)) {
        return new Result(theta, first, k + 1);
      }
      update(theta, rates, g);
      if (!allFinite(theta)) {
        return new Result(theta, first, k + 1);
      }
    }
    return new Result(theta, first, 0);
  }

  /** One update in place: {@code θ −= a ⊙ g}. */
  public static void update(double[] theta, double[] rates, double[] grad) {
    for (int i = 0; i < theta.length; i++) {
      if (rates[i] != 0) {
        theta[i] -= rates[i] * grad[i];
      }
    }
  }

  /** Loss over all chunks (example-weighted mean). */
  public static double loss(FlatModel model, double[] theta, List<TokenBatch> support) {
    if (support.size() == 1) {
      return model.loss(theta, support.get(0));
    }
    double sum = 0;
    int n = 0;
    for (TokenBatch b : support) {
      sum += model.loss(theta, b) * b.batchSize();
      n += b.batchSize();
    }
    return sum / n;
  }

  private static double lossAndGradient(FlatModel model, double[] theta, List<TokenBatch> support, double[] g,
                                        double[] part) {
    if (support.size() == 1) {
      return model.lossAndGradient(theta, support.get(0), g);
    }
    int n = 0;
    for (TokenBatch b : support) {
      n += b.batchSize();
    }
    Arrays.fill(g, 0);
    double loss = 0;
    for (TokenBatch b : support) {
      double w = (double) b.batchSize() / n;
      loss += w * model.lossAndGradient(theta, b, part);
      for (int i = 0; i < g.length; i++) {
        g[i] += w * part[i];
      }
    }
    return loss;
  }

  private static boolean allFinite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }
}
