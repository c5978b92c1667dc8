package org.metamut.lib.adapt;

import org.metamut.lib.head.ClosedFormHead;
import org.metamut.lib.model.FeatureModel;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ParamRange;
import org.metamut.lib.model.TokenBatch;

import java.util.Arrays;
import java.util.List;

/**
 * The closed-form solver of an {@link AdaptationRecipe}: the model's scalar head is replaced by the exact ridge
 * regression of the support labels on the model's features ({@link ClosedFormHead}), written back into
 * {@code head.W, head.b} so the adapted model is an ordinary θ' that every job can save and score with. The same
 * code serves meta-training's meta-val, evaluation and scoring.
 */
public final class ClosedFormAdaptation {
  private ClosedFormAdaptation() {
  }

  /** The model as a feature model, or a clear error. */
  public static FeatureModel featureModel(FlatModel model) {
    if (!(model instanceof FeatureModel fm)) {
      throw new IllegalArgumentException("a closed-form head needs a model whose features can be read ("
          + FeatureModel.class.getSimpleName() + "); " + model.getClass().getSimpleName() + " is not one");
    }
    return fm;
  }

  /** The features of every support example, chunk after chunk. */
  public static double[][] features(FeatureModel model, double[] theta, List<TokenBatch> support) {
    int n = support.stream().mapToInt(TokenBatch::batchSize).sum();
    double[][] f = new double[n][];
    int row = 0;
    for (TokenBatch b : support) {
      for (double[] r : model.features(theta, b)) {
        f[row++] = r;
      }
    }
    return f;
  }

  /**
   * The log-penalty of every feature: {@code learnedLogPenalty} for the model's learned features, {@code sideLogPenalty}
   * for its fixed side features.
   */
  public static double[] logPenalties(FeatureModel model, double learnedLogPenalty, double sideLogPenalty) {
    double[] lp = new double[model.featureDim()];
    Arrays.fill(lp, 0, model.learnedFeatureDim(), learnedLogPenalty);
    Arrays.fill(lp, model.learnedFeatureDim(), lp.length, sideLogPenalty);
    return lp;
  }

  /**
   * θ with its head set to the ridge solution on the support (labels = the chunks' targets).
   *
   * @param head the head's range: the learned features' weights, the bias, then the side features' weights
   */
  public static double[] solve(FeatureModel model, double[] theta, ParamRange head, List<TokenBatch> support,
                               AdaptationRecipe recipe) {
    return solveWithPosterior(model, theta, head, support, null, recipe).theta();
  }

  /**
   * θ' (θ with the solved head) and the head's posterior, whose {@link ClosedFormHead.Fit#variance} gives the
   * predictive variance of a query variant's features (on the support-normalised label scale). With a prior mean the
   * posterior is the fit on the residuals from it: the same covariance, since that does not depend on the prior mean.
   * The site block, if any, is fitted after the head, on its support residuals ({@link SiteBlock}).
   *
   * @param sites the solved site block, or null when the recipe has none (or the support's site keys are unknown)
   */
  public record Solved(double[] theta, ClosedFormHead.Fit posterior, SiteBlock sites) {
  }

  /**
   * {@link #solve}, keeping the posterior: the recipe's penalties used as given or rescaled per task by support
   * leave-one-out ({@link AdaptationRecipe#penalties}), the weights shrunk towards zero or towards θ's own head
   * ({@link AdaptationRecipe#headPrior}), and a per-task site block when the recipe has one
   * ({@link AdaptationRecipe#sites}) and the support's site keys are known.
   *
   * @param supportSites each support variant's {@link org.metamut.lib.encode.SiteKeys} in the chunks' order, or null
   */
  public static Solved solveWithPosterior(FeatureModel model, double[] theta, ParamRange head, List<TokenBatch> support,
                                          List<long[]> supportSites, AdaptationRecipe recipe) {
    int d = model.featureDim();
    int learned = model.learnedFeatureDim();
    if (head.size() != d + 1) {
      throw new IllegalArgumentException("the head " + head + " is not " + d + " weights and a bias");
    }
    double[][] f = features(model, theta, support);
    double[] y = new double[f.length];
    int row = 0;
    for (TokenBatch b : support) {
      for (double t : b.targets()) {
        y[row++] = t;
      }
    }
    double[] w0 = recipe.headPrior() == AdaptationRecipe.HeadPrior.THETA ? priorMean(theta, head, learned) : new double[d];
    double[] r = ClosedFormHead.residual(f, y, w0);
    double[] lp = logPenalties(model, recipe.headLogPenalty(), recipe.sideLogPenalty());
    if (recipe.penalties() == AdaptationRecipe.PenaltyChoice.SUPPORT_LOO && y.length >= 3) {
      int[] block = new int[d];
      Arrays.fill(block, learned, d, 1);
      lp = ClosedFormHead.chooseByLoo(f, r, lp, block, AdaptationRecipe.PenaltyChoice.LOO_LOG_SCALES);
    }
    ClosedFormHead.Fit fit = ClosedFormHead.fit(f, r, lp);
    double[] delta = fit.weights();
    double[] mean = fit.featureMeans();
    double bias = fit.intercept();
    double[] out = theta.clone();
    for (int j = 0; j < d; j++) {
      bias -= mean[j] * delta[j];
      out[weightIndex(head, learned, j)] = w0[j] + delta[j];
    }
    out[head.from() + learned] = bias;
    SiteBlock sites = recipe.sites() == AdaptationRecipe.Sites.SUPPORT_LOO && supportSites != null
        ? SiteBlock.of(supportSites) : null;
    if (sites != null) { // second stage: the site block on what the head leaves unexplained (SiteBlock says why)
      double[] fitted = fit.predict(f);
      double[] left = new double[r.length];
      for (int i = 0; i < left.length; i++) {
        left[i] = r[i] - fitted[i];
      }
      sites = sites.solve(supportSites, left);
    }
    return new Solved(out, fit, sites);
  }

  /** θ's head weights in feature order (the learned features', then the side features'; the bias skipped). */
  public static double[] priorMean(double[] theta, ParamRange head, int learned) {
    double[] w0 = new double[head.size() - 1];
    for (int j = 0; j < w0.length; j++) {
      w0[j] = theta[weightIndex(head, learned, j)];
    }
    return w0;
  }

  /**
   * The index in θ of the head weight of feature {@code j}: the head is the {@code learned} features' weights, the
   * bias, then the side features' weights ({@code head.W, head.b, head.Ws}).
   */
  public static int weightIndex(ParamRange head, int learned, int j) {
    return head.from() + (j < learned ? j : j + 1);
  }
}
