package org.metamut.lib.meta;

import org.metamut.lib.method.Method;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ParamRange;
import org.junit.jupiter.api.Test;
import org.metamut.lib.meta.synthetic.GridMlp;
import org.metamut.lib.meta.synthetic.LinearTasks;
import org.metamut.lib.optim.Sgd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MAML, FOMAML, ANIL and Reptile against hand/closed-form computations on a linear model, where the support
 * Hessian is the constant (2/B)XᵀX and the second-order meta-gradient after K steps is
 * (I − αH)ᴷ ∇L_q(θ_K).
 */
class MamlExactTest {
  private static final LinearTasks FAMILY = new LinearTasks(3, 4, 0.5, 0.1);

  private static MetaTask task() {
    return FAMILY.task(7, 0, 6, 5);
  }

  private static double[] theta0() {
    return new double[] {0.3, -0.2, 0.5, 0.1, -0.4};
  }

  /** θ_K by K explicit steps of θ − α(2/B)Xᵀ(Xθ − y). */
  private static double[][] innerPath(MetaTask t, double[] th, double alpha, int k) {
    double[][] path = new double[k + 1][];
    path[0] = th.clone();
    for (int s = 0; s < k; s++) {
      path[s + 1] = Exact.axpy(-alpha, Exact.grad(t.support(), path[s]), path[s]);
    }
    return path;
  }

  @Test
  void secondOrderMamlMatchesClosedFormOnLinearModel() {
    GridMlp model = new GridMlp(4, 0);
    MetaTask t = task();
    for (int k : new int[] {1, 2, 3}) {
      double alpha = 0.05;
      double[][] path = innerPath(t, theta0(), alpha, k);
      double[] v = Exact.grad(t.query(), path[k]);
      double[][] h = Exact.hessian(t.support());
      for (int s = 0; s < k; s++) {
        v = Exact.axpy(-alpha, Exact.mul(h, v), v);
      }
      for (boolean central : new boolean[] {true, false}) {
        MetaLearner maml = Methods.metaLearner("maml", InnerLoop.sgd(k, alpha).withHvp(1e-5, central), ParamRange.trailing(5, 5), new Method.LearnerOptions(false, false));
        TaskResult r = maml.metaGradient(model, theta0(), t);
        double err = Exact.relErr(r.grad(), v);
        // quadratic loss: finite differences of the gradient are exact up to rounding
        assertTrue(err < 1e-9, "K=" + k + " central=" + central + ": relative error " + err);
        assertEquals(model.loss(path[k], t.query()), r.postLoss(), 1e-12);
        assertEquals(model.loss(path[0], t.support()), r.preLoss(), 1e-12);
      }
      // and FOMAML, which drops the (I − αH) factors, differs by order 1 here
      TaskResult fo = Methods.metaLearner("fomaml", InnerLoop.sgd(k, alpha), ParamRange.trailing(5, 5), new Method.LearnerOptions(false, false))
          .metaGradient(model, theta0(), t);
      assertArrayEquals(Exact.grad(t.query(), path[k]), fo.grad(), 1e-12);
      assertTrue(Exact.relErr(fo.grad(), v) > 1e-2, "FOMAML should differ from second-order MAML");
    }
  }

  @Test
  void metaSgdRateGradientMatchesClosedForm() {
    // one step, per-parameter rates a: θ' = θ − a ⊙ g_s; ∂L_q/∂a = −g_s ⊙ ∇L_q(θ'); ∂L_q/∂θ = (I − H diag(a)) ∇L_q(θ')
    GridMlp model = new GridMlp(4, 0);
    MetaTask t = task();
    InnerLoop inner = InnerLoop.sgd(1, 0.05).withLearnedRates(true);
    MetaLearner maml = Methods.metaLearner("maml", inner, ParamRange.trailing(5, 5), new Method.LearnerOptions(false, false));
    double[] phi = maml.initialMetaParams(theta0());
    for (int i = 0; i < 5; i++) {
      phi[5 + i] = 0.02 + 0.01 * i;
    }
    double[] a = java.util.Arrays.copyOfRange(phi, 5, 10);
    double[] gs = Exact.grad(t.support(), theta0());
    double[] th1 = theta0().clone();
    for (int i = 0; i < 5; i++) {
      th1[i] -= a[i] * gs[i];
    }
    double[] gq = Exact.grad(t.query(), th1);
    double[] av = new double[5];
    for (int i = 0; i < 5; i++) {
      av[i] = a[i] * gq[i];
    }
    double[] dTheta = Exact.axpy(-1, Exact.mul(Exact.hessian(t.support()), av), gq);
    TaskResult r = maml.metaGradient(model, phi, t);
    assertTrue(Exact.relErr(java.util.Arrays.copyOf(r.grad(), 5), dTheta) < 1e-9);
    for (int i = 0; i < 5; i++) {
      assertEquals(-gs[i] * gq[i], r.grad()[5 + i], 1e-12);
    }
  }

  @Test
  void anilAdaptsOnlyTheHeadAndFirstOrderGradientIsQueryGradientThere() {
    GridMlp model = new GridMlp(2, 3);
    MetaTask t = new LinearTasks(5, 2, 0.5, 0.1).task(1, 0, 5, 5);
    double[] th = model.init(11);
    double alpha = 0.1;
    MetaLearner anil = Methods.metaLearner("anil", InnerLoop.sgd(1, alpha), ParamRange.trailing(model.numParams(), model.headParams()), new Method.LearnerOptions(false, false));
    // by hand: head = last hidden+1 = 4 params
    double[] g = new double[th.length];
    model.lossAndGradient(th, t.support(), g);
    double[] adapted = th.clone();
    for (int i = th.length - 4; i < th.length; i++) {
      adapted[i] -= alpha * g[i];
    }
    assertArrayEquals(adapted, anil.adapt(model, th, t.support(), 1), 0.0);
    double[] gq = new double[th.length];
    model.lossAndGradient(adapted, t.query(), gq);
    assertArrayEquals(gq, anil.metaGradient(model, th, t).grad(), 0.0);
  }

  @Test
  void reptileMetaGradientAndSgdOuterStepMatchHandComputation() {
    GridMlp model = new GridMlp(4, 0);
    MetaTask t = task();
    double alpha = 0.02;
    double[] th = theta0();
    // two steps on support ∪ query
    MetaTask all = new MetaTask(0, "all", TokenBatches.concat(t.support(), t.query()), t.query());
    double[] a1 = Exact.axpy(-alpha, Exact.grad(all.support(), th), th);
    double[] a2 = Exact.axpy(-alpha, Exact.grad(all.support(), a1), a1);
    TaskResult withQuery = Methods.metaLearner("reptile", InnerLoop.sgd(2, alpha), ParamRange.trailing(5, 5), new Method.LearnerOptions(false, true))
        .metaGradient(model, th, t);
    assertArrayEquals(Exact.axpy(-1, a2, th), withQuery.grad(), 1e-14);
    // default: two steps on the support set
    double[] th1 = Exact.axpy(-alpha, Exact.grad(t.support(), th), th);
    double[] th2 = Exact.axpy(-alpha, Exact.grad(t.support(), th1), th1);
    TaskResult r = Methods.metaLearner("reptile", InnerLoop.sgd(2, alpha), ParamRange.trailing(5, 5), new Method.LearnerOptions(false, false)).metaGradient(model, th, t);
    assertArrayEquals(Exact.axpy(-1, th2, th), r.grad(), 1e-14);
    assertEquals(model.loss(th2, t.query()), r.postLoss(), 1e-14);
    // Reptile's outer step θ ← θ + ε(θ' − θ) is SGD at rate ε on θ − θ'
    double eps = 0.3;
    double[] p = th.clone();
    new Sgd(5, eps).step(p, r.grad());
    assertArrayEquals(Exact.axpy(eps, Exact.axpy(-1, th, th2), th), p, 1e-14);
  }
}
