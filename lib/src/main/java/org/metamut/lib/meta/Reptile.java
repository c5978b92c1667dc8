package org.metamut.lib.meta;

import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.SgdAdaptation;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.Arrays;

/**
 * Reptile (Nichol et al. 2018): K SGD steps on the task's support examples (or support ∪ query with
 * {@code includeQuery}) give θ'; the task's meta-gradient is {@code θ − θ'}. With the {@code sgd} outer
 * optimiser at rate ε the outer step is exactly Reptile's {@code θ ← θ + ε · mean_tasks(θ' − θ)}; with Adam it
 * is the common Adam variant. Losses reported: training-set loss at θ (pre), query loss at θ' (post, one extra
 * forward pass). Learned inner rates are not supported.
 */
public final class Reptile implements MetaLearner {
  private static final long serialVersionUID = 2L;

  private final String name;
  private final InnerLoop inner;
  private final boolean includeQuery;

  /** @param name the learner's registry name */
  public Reptile(String name, InnerLoop inner, boolean includeQuery) {
    if (inner.learnedRates()) {
      throw new IllegalArgumentException(name + " does not support learned inner learning rates (Meta-SGD)");
    }
    this.name = name;
    this.inner = inner;
    this.includeQuery = includeQuery;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public AdaptationRecipe recipe() {
    return AdaptationRecipe.fineTune(name, inner.steps(), inner.learningRate());
  }

  @Override
  public double[] innerRates(double[] phi, int n) {
    return ratesInto(new double[n], phi);
  }

  /** The inner rates for φ written into {@code a} (its length is the model's parameter count); returns it. */
  private double[] ratesInto(double[] a, double[] phi) {
    if (phi.length != a.length) {
      throw new IllegalArgumentException(name + " expects " + a.length + " meta-parameters, got " + phi.length);
    }
    Arrays.fill(a, inner.learningRate());
    return a;
  }

  @Override
  public InnerLoop inner() {
    return inner;
  }

  @Override
  public TaskResult metaGradient(FlatModel model, double[] phi, MetaTask task) {
    int n = model.numParams();
    WorkArrays work = WorkArrays.ofThisThread(); // the rates, θ and the gradient (WorkArrays says why)
    double[] a = ratesInto(work.get(0, n), phi);
    TokenBatch all = includeQuery ? TokenBatches.concat(task.support(), task.query()) : task.support();
    double[] theta = work.get(1, n);
    System.arraycopy(phi, 0, theta, 0, n);
    double[] g = work.get(2, n);
    double pre = Double.NaN;
    for (int k = 0; k < inner.steps(); k++) {
      String phase = "inner step " + (k + 1) + " of " + inner.steps();
      double l = model.lossAndGradient(theta, all, g);
      NonFiniteException.check(l, includeQuery ? "support+query loss" : "support loss", task, phase);
      NonFiniteException.check(g, includeQuery ? "support+query gradient" : "support gradient", task, phase);
      if (k == 0) {
        pre = l;
      }
      SgdAdaptation.update(theta, a, g);
      NonFiniteException.check(theta, "adapted parameter", task, phase);
    }
    double post = model.loss(theta, task.query());
    NonFiniteException.check(post, "query loss after adaptation", task, "after the inner loop");
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = phi[i] - theta[i];
    }
    return new TaskResult(task.slot(), task.taskId(), out, pre, post, task.examples(), "cpu", null);
  }

  @Override
  public String toString() {
    return name + " (" + (includeQuery ? "support+query" : "support") + "), " + inner;
  }
}
