package org.metamut.lib.meta;

import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.SgdAdaptation;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ParamRange;

import java.util.List;

/**
 * MAML (Finn et al. 2017) over a flat model, in its variants: second-order or first-order outer gradient,
 * all parameters or only the head adapted in the inner loop (ANIL), a scalar or a learned per-parameter inner
 * rate (Meta-SGD).
 *
 * <p>Inner loop ({@link SgdAdaptation}): θ₀ = θ, θₖ₊₁ = θₖ − a ⊙ ∇L_s(θₖ) for k &lt; K, where a = α (scalar or per
 * parameter) inside the adapted range and 0 outside. Outer loss L_q(θ_K). Its gradient by reverse accumulation
 * through the inner steps: v_K = ∇L_q(θ_K); for k = K−1..0: ∂/∂α_i += −∇L_s(θₖ)_i · v_{k+1,i} (learned rates only),
 * and v_k = v_{k+1} − H_s(θₖ)(a ⊙ v_{k+1}) (second order; first order keeps v_k = v_{k+1}); ∂/∂θ = v_0.
 * Hessian-vector products by {@link FiniteDifferenceHvp}.
 *
 * <p>Cost per task, K inner steps: K + 1 gradient calls, plus K·(2 or 1) for the second-order products.
 */
public final class Maml implements MetaLearner {
  private static final long serialVersionUID = 2L;

  private final String name;
  private final InnerLoop inner;
  private final boolean secondOrder;
  private final ParamRange head;

  /**
   * @param name        the learner's registry name
   * @param secondOrder include the second-order terms in the outer gradient
   * @param head        the head, when only the head adapts (ANIL); null when every parameter adapts
   */
  public Maml(String name, InnerLoop inner, boolean secondOrder, ParamRange head) {
    this.name = name;
    this.inner = inner;
    this.secondOrder = secondOrder;
    this.head = head;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public InnerLoop inner() {
    return inner;
  }

  public boolean secondOrder() {
    return secondOrder;
  }

  @Override
  public AdaptationRecipe recipe() {
    return new AdaptationRecipe(name, head == null ? AdaptationRecipe.Scope.ALL : AdaptationRecipe.Scope.HEAD,
        inner.steps(), inner.learningRate(), inner.learnedRates(), AdaptationRecipe.TargetNormalisation.SUPPORT_ZSCORE,
        List.of());
  }

  @Override
  public double[] innerRates(double[] phi, int n) {
    return ratesInto(new double[n], phi);
  }

  /** The inner rates for φ written into {@code a} (its length is the model's parameter count); returns it. */
  private double[] ratesInto(double[] a, double[] phi) {
    int n = a.length;
    int expected = numMetaParams(n);
    if (phi.length != expected) {
      throw new IllegalArgumentException(name + " expects " + expected + " meta-parameters for a model of "
          + n + ", got " + phi.length);
    }
    return recipe().ratesInto(a, head, learnedRates(phi, n));
  }

  @Override
  public TaskResult metaGradient(FlatModel model, double[] phi, MetaTask task) {
    int n = model.numParams();
    int kSteps = inner.steps();
    WorkArrays work = WorkArrays.ofThisThread(); // slots: rates, v, u, hu, θ₀..θ_K, then the K support gradients
    double[] a = ratesInto(work.get(0, n), phi);
    double[][] thetas = new double[kSteps + 1][];
    double[][] grads = new double[kSteps][];
    thetas[0] = work.get(4, n);
    System.arraycopy(phi, 0, thetas[0], 0, n);
    double pre = Double.NaN;
    for (int k = 0; k < kSteps; k++) {
      double[] g = work.get(5 + kSteps + k, n);
      String phase = "inner step " + (k + 1) + " of " + kSteps;
      double l = model.lossAndGradient(thetas[k], task.support(), g);
      NonFiniteException.check(l, "support loss", task, phase);
      NonFiniteException.check(g, "support gradient", task, phase);
      if (k == 0) {
        pre = l;
      }
      double[] next = work.get(5 + k, n);
      System.arraycopy(thetas[k], 0, next, 0, n);
      SgdAdaptation.update(next, a, g);
      NonFiniteException.check(next, "adapted parameter", task, phase);
      grads[k] = g;
      thetas[k + 1] = next;
    }
    double[] v = work.get(1, n);
    double post = model.lossAndGradient(thetas[kSteps], task.query(), v);
    NonFiniteException.check(post, "query loss after adaptation", task, "outer gradient");
    NonFiniteException.check(v, "query gradient", task, "outer gradient");

    double[] out = new double[numMetaParams(n)];
    FiniteDifferenceHvp hvp = secondOrder ? work.hvp(inner.hvpRelativeStep(), inner.hvpCentral()) : null;
    double[] u = secondOrder ? work.get(2, n) : null;
    double[] hu = secondOrder ? work.get(3, n) : null;
    ParamRange adapted = head == null ? ParamRange.all(n) : head;
    for (int k = kSteps - 1; k >= 0; k--) {
      if (inner.learnedRates()) {
        for (int i = adapted.from(); i < adapted.to(); i++) {
          out[n + i] -= grads[k][i] * v[i];
        }
      }
      if (secondOrder) {
        for (int i = 0; i < n; i++) {
          u[i] = a[i] * v[i];
        }
        hvp.apply(model, thetas[k], task.support(), u, grads[k], hu);
        NonFiniteException.check(hu, "Hessian-vector product", task, "backward through inner step " + (k + 1));
        for (int i = 0; i < n; i++) {
          v[i] -= hu[i];
        }
      }
    }
    System.arraycopy(v, 0, out, 0, n);
    return new TaskResult(task.slot(), task.taskId(), out, pre, post, task.examples(), "cpu", null);
  }

  @Override
  public String toString() {
    return name + (secondOrder ? " (second-order)" : " (first-order)") + ", " + inner
        + ", adapted " + (head == null ? "all parameters" : "head " + head);
  }
}
