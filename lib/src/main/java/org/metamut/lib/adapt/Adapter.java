package org.metamut.lib.adapt;

import org.metamut.lib.baseline.Standardizer;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ParamRange;
import org.metamut.lib.model.TokenBatch;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The only way metamut adapts a model to a new task: (model parameters + recipe, labelled support variants) →
 * {@link AdaptedModel}. Support labels are z-scored over the support set ({@link Standardizer}), the recipe's
 * {@link SgdAdaptation} steps run on the normalised labels, and the adapted model maps its predictions back to
 * label units. Evaluate, score, the demo and meta-val all call this; by default the recipe is the one the model
 * was trained with ({@link SavedModel#recipe()}), and {@link #override} records any change.
 *
 * <p>Immutable and serialisable (it carries θ, the learned rates if any, the recipe and the head's position), so
 * one instance can be broadcast to executors; the {@link FlatModel} is passed per call since models are not
 * thread-safe.
 */
public final class Adapter implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Support variants per model call; the gradient is still over the whole support set. */
  public static final int CHUNK = 256;

  private final double[] theta;
  private final double[] learnedRates;
  private final AdaptationRecipe recipe;
  private final ParamRange head;
  /** The ensemble's other members (each a single model); empty for a single model. */
  private final List<Adapter> others;

  /**
   * @param theta        the initial parameters (copied)
   * @param learnedRates one rate per parameter when {@code recipe.learnedRates()}, else null
   * @param recipe       how to adapt
   * @param head         the model's head (what a {@link AdaptationRecipe.Scope#HEAD} recipe moves)
   */
  public Adapter(double[] theta, double[] learnedRates, AdaptationRecipe recipe, ParamRange head) {
    this(theta, learnedRates, recipe, head, List.of());
  }

  private Adapter(double[] theta, double[] learnedRates, AdaptationRecipe recipe, ParamRange head, List<Adapter> others) {
    this.others = List.copyOf(others);
    this.theta = theta.clone();
    this.learnedRates = learnedRates == null ? null : learnedRates.clone();
    this.recipe = recipe;
    this.head = head;
    if (recipe.solver() == AdaptationRecipe.Solver.SGD) {
      recipe.rates(theta.length, head, learnedRates); // validates scope, head and rates now, not on an executor
    }
  }

  /** The model file's θ, learned rates and recipe; the head from its architecture. */
  public static Adapter of(SavedModel m) {
    return new Adapter(m.theta(), m.innerRates(), m.recipe(), m.factory(false).headRange());
  }

  /**
   * A deep ensemble: models of one architecture meta-trained apart (e.g. with different {@code metamut.run.seed}s),
   * each adapted to a task by its own recipe; the ensemble predicts the mean of the members' predictions, and its
   * predictive SD is the mixture's (the members' variances and their disagreement). Independently trained backbones
   * err differently on a protein none of them has seen, so their mean ranks variants better than any one of them (measured
   * on meta-val: src/docs/results.md). The first member's recipe is the ensemble's {@link #recipe()}.
   *
   * @param members two or more single models, the same number of parameters and the same head
   */
  public static Adapter ensemble(List<Adapter> members) {
    if (members.size() < 2) {
      throw new IllegalArgumentException("an ensemble needs at least 2 models, got " + members.size());
    }
    Adapter first = members.get(0);
    for (Adapter m : members) {
      if (!m.others.isEmpty()) {
        throw new IllegalArgumentException("an ensemble's member cannot itself be an ensemble");
      }
      if (m.theta.length != first.theta.length || !m.head.equals(first.head)) {
        throw new IllegalArgumentException("ensemble members differ in architecture: " + m.theta.length
            + " parameters, head " + m.head + " against " + first.theta.length + ", " + first.head);
      }
    }
    return new Adapter(first.theta, first.learnedRates, first.recipe, first.head, members.subList(1, members.size()));
  }

  /** Number of models: 1, or the ensemble's members. */
  public int members() {
    return 1 + others.size();
  }

  /** The same model (every member of an ensemble) with {@code change} applied to its recipe. */
  private Adapter withRecipe(java.util.function.UnaryOperator<AdaptationRecipe> change) {
    AdaptationRecipe r = change.apply(recipe);
    return new Adapter(theta, r.learnedRates() ? learnedRates : null, r, head,
        others.stream().map(o -> o.withRecipe(change)).toList());
  }

  /** The same model with the user's overrides of steps and rate ({@code <= 0} keeps the model's own). */
  public Adapter override(int steps, double learningRate) {
    return withRecipe(r -> r.override(steps, learningRate));
  }

  /**
   * The same model with a closed-form head's ESM-2 block switched on or off (checkpoint {@code fingerprint}); the support
   * and query variants must then carry their features ({@link EncodedVariant#withEsm}).
   */
  public Adapter overrideEsm(boolean on, String fingerprint) {
    return withRecipe(r -> r.overrideEsm(on, fingerprint));
  }

  /** The same model with a user's choice of a closed-form head's site block (null keeps the model's own). */
  public Adapter overrideSites(AdaptationRecipe.Sites choice) {
    return withRecipe(r -> r.overrideSites(choice));
  }

  public AdaptationRecipe recipe() {
    return recipe;
  }

  /** The initial parameters (a copy; an ensemble's first member's). */
  public double[] theta() {
    return theta.clone();
  }

  /**
   * Adapts on the labelled support set.
   *
   * @param model   a model of the right architecture (θ's length)
   * @param support encoded support variants
   * @param labels  their labels, in the user's units (finite)
   * @param seqLen  padded length of a batch (the encoder's token budget)
   */
  public AdaptedModel adapt(FlatModel model, List<EncodedVariant> support, double[] labels, int seqLen) {
    AdaptedModel first = adaptOne(model, support, labels, seqLen);
    if (others.isEmpty()) {
      return first;
    }
    List<AdaptedModel> rest = new ArrayList<>(others.size());
    for (Adapter o : others) {
      rest.add(o.adaptOne(model, support, labels, seqLen));
    }
    return first.withOthers(rest);
  }

  private AdaptedModel adaptOne(FlatModel model, List<EncodedVariant> support, double[] labels, int seqLen) {
    if (support.size() != labels.length) {
      throw new IllegalArgumentException(support.size() + " support variants but " + labels.length + " labels");
    }
    if (model.numParams() != theta.length) {
      throw new IllegalArgumentException("the model has " + model.numParams() + " parameters, the adapter's θ "
          + theta.length);
    }
    Standardizer targets = Standardizer.fit(labels);
    double[] z = targets.transform(labels);
    List<TokenBatch> chunks = new ArrayList<>();
    for (int from = 0; from < support.size(); from += CHUNK) {
      int to = Math.min(support.size(), from + CHUNK);
      chunks.add(EncodedVariant.toBatch(support.subList(from, to), Arrays.copyOfRange(z, from, to), seqLen));
    }
    if (recipe.solver() == AdaptationRecipe.Solver.CLOSED_FORM) {
      double before = SgdAdaptation.loss(model, theta, chunks);
      List<long[]> sites = support.stream().anyMatch(v -> v.sites() == null) ? null
          : support.stream().map(EncodedVariant::sites).toList();
      List<double[]> esm = recipe.esmFeatures() ? support.stream().map(EncodedVariant::esm).toList() : null;
      ClosedFormAdaptation.Solved solved = ClosedFormAdaptation.solveWithPosterior(ClosedFormAdaptation.featureModel(model),
          theta, head, chunks, sites, esm, recipe);
      double after = solved.sites() == null && solved.esm() == null ? SgdAdaptation.loss(model, solved.theta(), chunks)
          : new AdaptedModel(solved.theta(), targets, recipe, before, Double.NaN, 0, seqLen, solved.posterior(),
              solved.sites(), solved.esm()).normalisedLoss(model, support, z);
      return new AdaptedModel(solved.theta(), targets, recipe, before, after, 0, seqLen, solved.posterior(),
          solved.sites(), solved.esm());
    }
    double[] rates = recipe.rates(theta.length, head, learnedRates);
    SgdAdaptation.Result r = SgdAdaptation.run(model, theta, rates, chunks, recipe.steps());
    double before = recipe.steps() > 0 ? r.firstLoss() : SgdAdaptation.loss(model, theta, chunks);
    double after = r.diverged() ? Double.NaN : SgdAdaptation.loss(model, r.theta(), chunks);
    return new AdaptedModel(r.theta(), targets, recipe, before, after, r.divergedAt(), seqLen);
  }
}
