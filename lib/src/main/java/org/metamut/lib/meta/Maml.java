package org.metamut.lib.meta;

import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.Arrays;

/**
 * MAML (Finn et al. 2017) over a flat model, in its variants: second-order or first-order outer gradient,
 * all parameters or only {@code [adaptFrom, adaptTo)} adapted in the inner loop (ANIL: the head), a scalar or
 * a learned per-parameter inner rate (Meta-SGD).
 *
 * <p>Inner loop: θ₀ = θ, θₖ₊₁ = θₖ − a ⊙ ∇L_s(θₖ) for k &lt; K, where a = α (scalar or per parameter) inside the
 * adapted range and 0 outside. Outer loss L_q(θ_K). Its gradient by reverse accumulation through the inner
 * steps: v_K = ∇L_q(θ_K); for k = K−1..0: ∂/∂α_i += −∇L_s(θₖ)_i · v_{k+1,i} (learned rates only), and
 * v_k = v_{k+1} − H_s(θₖ)(a ⊙ v_{k+1}) (second order; first order keeps v_k = v_{k+1}); ∂/∂θ = v_0.
 * Hessian-vector products by {@link FiniteDifferenceHvp}.
 *
 * <p>Cost per task, K inner steps: K + 1 gradient calls, plus K·(2 or 1) for the second-order products.
 */
public final class Maml implements MetaLearner {
  private static final long serialVersionUID = 1L;

  private final MetaAlgorithm algorithm;
  private final InnerLoop inner;
  private final boolean secondOrder;
  private final int adaptFrom;
  private final int adaptTo;

  /**
   * @param adaptFrom first adapted parameter index (0 for all)
   * @param adaptTo   one past the last adapted index ({@code -1} for "up to the end")
   */
  public Maml(MetaAlgorithm algorithm, InnerLoop inner, boolean secondOrder, int adaptFrom, int adaptTo) {
    if (algorithm == MetaAlgorithm.REPTILE) {
      throw new IllegalArgumentException("Maml does not implement reptile; use Reptile");
    }
    if (adaptFrom < 0 || (adaptTo >= 0 && adaptTo <= adaptFrom)) {
      throw new IllegalArgumentException("adapted parameter range [" + adaptFrom + ", " + adaptTo + ") is empty or negative");
    }
    this.algorithm = algorithm;
    this.inner = inner;
    this.secondOrder = secondOrder;
    this.adaptFrom = adaptFrom;
    this.adaptTo = adaptTo;
  }

  @Override
  public MetaAlgorithm algorithm() {
    return algorithm;
  }

  @Override
  public InnerLoop inner() {
    return inner;
  }

  public boolean secondOrder() {
    return secondOrder;
  }

  private int to(int n) {
    int t = adaptTo < 0 ? n : adaptTo;
    if (t > n) {
      throw new IllegalArgumentException("adapted parameter range [" + adaptFrom + ", " + adaptTo
          + ") exceeds the model's " + n + " parameters");
    }
    return t;
  }

  /** The effective per-parameter inner rate a (0 outside the adapted range). */
  private double[] rates(double[] phi, int n) {
    int expected = numMetaParams(n);
    if (phi.length != expected) {
      throw new IllegalArgumentException(algorithm.configName() + " expects " + expected + " meta-parameters for a model of "
          + n + ", got " + phi.length);
    }
    double[] a = new double[n];
    int to = to(n);
    for (int i = adaptFrom; i < to; i++) {
      a[i] = inner.learnedRates() ? phi[n + i] : inner.learningRate();
    }
    return a;
  }

  @Override
  public double[] adapt(FlatModel model, double[] phi, TokenBatch support, int steps) {
    int n = model.numParams();
    double[] a = rates(phi, n);
    double[] theta = Arrays.copyOf(phi, n);
    double[] g = new double[n];
    int to = to(n);
    for (int k = 0; k < steps; k++) {
      model.lossAndGradient(theta, support, g);
      for (int i = adaptFrom; i < to; i++) {
        theta[i] -= a[i] * g[i];
      }
    }
    return theta;
  }

  @Override
  public TaskResult metaGradient(FlatModel model, double[] phi, MetaTask task) {
    int n = model.numParams();
    int kSteps = inner.steps();
    double[] a = rates(phi, n);
    int to = to(n);
    double[][] thetas = new double[kSteps + 1][];
    double[][] grads = new double[kSteps][];
    thetas[0] = Arrays.copyOf(phi, n);
    double pre = Double.NaN;
    for (int k = 0; k < kSteps; k++) {
      double[] g = new double[n];
      String phase = "inner step " + (k + 1) + " of " + kSteps;
      double l = model.lossAndGradient(thetas[k], task.support(), g);
      NonFiniteException.check(l, "support loss", task, phase);
      NonFiniteException.check(g, "support gradient", task, phase);
      if (k == 0) {
        pre = l;
      }
      double[] next = thetas[k].clone();
      for (int i = adaptFrom; i < to; i++) {
        next[i] -= a[i] * g[i];
      }
      NonFiniteException.check(next, "adapted parameter", task, phase);
      grads[k] = g;
      thetas[k + 1] = next;
    }
    double[] v = new double[n];
    double post = model.lossAndGradient(thetas[kSteps], task.query(), v);
    NonFiniteException.check(post, "query loss after adaptation", task, "outer gradient");
    NonFiniteException.check(v, "query gradient", task, "outer gradient");

    double[] out = new double[numMetaParams(n)];
    FiniteDifferenceHvp hvp = secondOrder ? new FiniteDifferenceHvp(inner.hvpRelativeStep(), inner.hvpCentral()) : null;
    double[] u = secondOrder ? new double[n] : null;
    double[] hu = secondOrder ? new double[n] : null;
    for (int k = kSteps - 1; k >= 0; k--) {
      if (inner.learnedRates()) {
        for (int i = adaptFrom; i < to; i++) {
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
    return algorithm.configName() + (secondOrder ? " (second-order)" : " (first-order)") + ", " + inner
        + ", adapted [" + adaptFrom + ", " + (adaptTo < 0 ? "end" : adaptTo) + ")";
  }
}
