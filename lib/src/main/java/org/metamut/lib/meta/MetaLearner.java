package org.metamut.lib.meta;

import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.SgdAdaptation;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.io.Serializable;
import java.util.List;

/**
 * A meta-learning algorithm, split the way distributed training needs it: {@link #metaGradient} is the
 * per-task work (run where the task's data lives, e.g. on a Spark executor), the results are summed by a
 * {@link MetaGradientAggregator}, and the driver applies an outer optimiser to the mean.
 *
 * <p>Implementations are immutable, serialisable and stateless between calls (any scratch space is allocated
 * per call), so one instance can be shared by threads, as long as each thread passes its own model.
 */
public interface MetaLearner extends Serializable {

  /** The learner's name in the method registry ({@code org.metamut.lib.method.Methods}). */
  String name();

  InnerLoop inner();

  /**
   * How a model trained by this learner is to be adapted to a new task: recorded in the model file, so that
   * evaluation and scoring adapt exactly as the inner loop trained (same parameters, steps and rate).
   */
  AdaptationRecipe recipe();

  /**
   * The recipe of the model trained to meta-parameters φ: {@link #recipe()} unless part of the recipe is itself
   * meta-learned (e.g. the closed-form head's penalty).
   */
  default AdaptationRecipe recipe(double[] phi, int numModelParams) {
    return recipe();
  }

  /**
   * The effective per-parameter inner rate vector a for a model of {@code numModelParams} parameters (0 outside
   * the adapted parameters; the learned rates inside φ for Meta-SGD).
   */
  double[] innerRates(double[] phi, int numModelParams);

  /** Length of φ for a model with {@code numModelParams} parameters (2× with learned inner rates). */
  default int numMetaParams(int numModelParams) {
    return inner().learnedRates() ? 2 * numModelParams : numModelParams;
  }

  /** φ from an initial θ: θ itself, followed by the initial inner rates when they are learned. */
  default double[] initialMetaParams(double[] theta) {
    if (!inner().learnedRates()) {
      return theta.clone();
    }
    double[] phi = java.util.Arrays.copyOf(theta, 2 * theta.length);
    java.util.Arrays.fill(phi, theta.length, phi.length, inner().learningRate());
    return phi;
  }

  /** The model parameters θ inside φ (a copy). */
  default double[] modelParams(double[] phi, int numModelParams) {
    return java.util.Arrays.copyOf(phi, numModelParams);
  }

  /**
   * The task's contribution to the outer gradient with respect to φ (length {@link #numMetaParams}), with its
   * losses before and after adaptation.
   *
   * @throws NonFiniteException naming the task and inner step if anything becomes NaN or infinite
   */
  TaskResult metaGradient(FlatModel model, double[] phi, MetaTask task);

  /**
   * θ' after {@code steps} inner SGD steps on {@code support} from the θ (and rates) in φ: the shared
   * {@link SgdAdaptation} loop (non-finite if it diverged; callers check).
   */
  default double[] adapt(FlatModel model, double[] phi, TokenBatch support, int steps) {
    int n = model.numParams();
    return SgdAdaptation.run(model, modelParams(phi, n), innerRates(phi, n), List.of(support), steps).theta();
  }

  /** The learned inner rates inside φ (Meta-SGD), or null. */
  default double[] learnedRates(double[] phi, int numModelParams) {
    return inner().learnedRates() ? java.util.Arrays.copyOfRange(phi, numModelParams, 2 * numModelParams) : null;
  }

  /**
   * Evaluation without a gradient: query loss at θ ({@code preLoss}) and after adapting on the support set
   * with the configured inner steps ({@code postLoss}).
   */
  default TaskResult evaluate(FlatModel model, double[] phi, MetaTask task) {
    int n = model.numParams();
    double before = model.loss(modelParams(phi, n), task.query());
    NonFiniteException.check(before, "query loss before adaptation", task, "evaluation");
    double[] adapted = adapt(model, phi, task.support(), inner().steps());
    double after = model.loss(adapted, task.query());
    NonFiniteException.check(after, "query loss after adaptation", task, "evaluation");
    return new TaskResult(task.slot(), task.taskId(), null, before, after, task.examples(), "cpu", null);
  }
}
