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
   * The site block, if any, is fitted after the head, on its support residuals ({@link SiteBlock}). With an ESM-2 block
   * the posterior is over the model's features followed by the block's standardised columns ({@link EsmBlock#append}).
   *
   * @param sites the solved site block, or null when the recipe has none (or the support's site keys are unknown)
   * @param esm   the solved ESM-2 block, or null when the recipe has none
   */
  public record Solved(double[] theta, ClosedFormHead.Fit posterior, SiteBlock sites, EsmBlock esm) {
  }

  /** {@link #solveWithPosterior(FeatureModel, double[], ParamRange, List, List, List, AdaptationRecipe)} without ESM-2 features. */
  public static Solved solveWithPosterior(FeatureModel model, double[] theta, ParamRange head, List<TokenBatch> support,
                                          List<long[]> supportSites, AdaptationRecipe recipe) {
    return solveWithPosterior(model, theta, head, support, supportSites, null, recipe);
  }

  /**
   * {@link #solve}, keeping the posterior: the recipe's penalties used as given or rescaled per task by support
   * leave-one-out ({@link AdaptationRecipe#penalties}), the weights shrunk towards zero or towards θ's own head
   * ({@link AdaptationRecipe#headPrior}), a per-task site block when the recipe has one
   * ({@link AdaptationRecipe#sites}) and the support's site keys are known, and the ESM-2 block when the recipe has it
   * ({@link AdaptationRecipe#esmFeatures()}): its columns appended to the model's features with prior mean 0 and their
   * own penalty, whose scale support LOO chooses from {@link EsmBlock#LOO_LOG_SCALES} (jointly with the other blocks'
   * scales when the recipe rescales those too, else with theirs kept as learned).
   *
   * @param supportSites each support variant's {@link org.metamut.lib.encode.SiteKeys} in the chunks' order, or null
   * @param supportEsm   each support variant's ESM-2 features in the chunks' order; required when the recipe has the
   *                     ESM-2 block, ignored otherwise
   */
  public static Solved solveWithPosterior(FeatureModel model, double[] theta, ParamRange head, List<TokenBatch> support,
                                          List<long[]> supportSites, List<double[]> supportEsm, AdaptationRecipe recipe) {
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
    double[] lp = logPenalties(model, recipe.headLogPenalty(), recipe.sideLogPenalty());
    EsmBlock esm = null;
    int[] block = new int[d];
    Arrays.fill(block, learned, d, 1);
    double[][] grids = {AdaptationRecipe.PenaltyChoice.LOO_LOG_SCALES, AdaptationRecipe.PenaltyChoice.LOO_LOG_SCALES};
    if (recipe.esmFeatures()) {
      if (supportEsm == null || supportEsm.size() != f.length) {
        throw new IllegalArgumentException("the recipe has an ESM-2 block but " + (supportEsm == null ? "no"
            : supportEsm.size()) + " ESM-2 feature rows came with " + f.length + " support variants");
      }
      esm = EsmBlock.of(supportEsm);
      f = esm.append(f, supportEsm);
      w0 = Arrays.copyOf(w0, d + esm.width()); // prior mean 0: θ has no weights for these columns
      lp = Arrays.copyOf(lp, d + esm.width());
      Arrays.fill(lp, d, lp.length, esm.baseLogPenalty());
      int esmBlock = learned < d ? 2 : 1; // the next block index (no empty block: its scales would be searched for nothing)
      block = Arrays.copyOf(block, d + esm.width());
      Arrays.fill(block, d, block.length, esmBlock);
      boolean all = recipe.penalties() == AdaptationRecipe.PenaltyChoice.SUPPORT_LOO;
      double[] keep = {0.0};
      grids = new double[esmBlock + 1][];
      Arrays.fill(grids, all ? AdaptationRecipe.PenaltyChoice.LOO_LOG_SCALES : keep);
      grids[esmBlock] = EsmBlock.LOO_LOG_SCALES;
    }
    double[] r = ClosedFormHead.residual(f, y, w0);
    if ((recipe.penalties() == AdaptationRecipe.PenaltyChoice.SUPPORT_LOO || esm != null) && y.length >= 3) {
      lp = ClosedFormHead.chooseByLoo(f, r, lp, block, grids);
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
    if (esm != null) { // the block's own centring stays with it: θ' holds the model features' part and the intercept
      esm = esm.solved(Arrays.copyOfRange(delta, d, delta.length), Arrays.copyOfRange(mean, d, mean.length));
    }
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
    return new Solved(out, fit, sites, esm);
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
