package org.metamut.lib.meta;

import org.metamut.lib.method.Method;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ParamRange;
import org.junit.jupiter.api.Test;
import org.metamut.lib.meta.synthetic.GridMlp;
import org.metamut.lib.meta.synthetic.SineTasks;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Second-order MAML on a non-quadratic model (a tanh MLP), checked against central finite differences of the
 * meta-loss itself (θ ↦ L_q(adapt(θ))), which involve no Hessian at all; and the accuracy of the
 * finite-difference Hessian-vector products against a Richardson-extrapolated reference.
 */
class NonlinearMetaGradientTest {

  private static double metaLoss(MetaLearner l, FlatModel m, double[] phi, MetaTask t) {
    return m.loss(l.adapt(m, phi, t.support(), l.inner().steps()), t.query());
  }

  private static double[] fdMetaGradient(MetaLearner l, FlatModel m, double[] phi, MetaTask t, double h) {
    double[] g = new double[phi.length];
    for (int i = 0; i < phi.length; i++) {
      double[] p = phi.clone();
      double[] q = phi.clone();
      p[i] += h;
      q[i] -= h;
      // 4th-order central difference
      double[] p2 = phi.clone();
      double[] q2 = phi.clone();
      p2[i] += 2 * h;
      q2[i] -= 2 * h;
      g[i] = (8 * (metaLoss(l, m, p, t) - metaLoss(l, m, q, t)) - (metaLoss(l, m, p2, t) - metaLoss(l, m, q2, t))) / (12 * h);
    }
    return g;
  }

  @Test
  void secondOrderMamlMatchesFiniteDifferencesOfTheMetaLoss() {
    GridMlp model = new GridMlp(1, 8);
    MetaTask t = SineTasks.task(1, 3, 0, 10, 10);
    double[] th = model.init(5);
    for (String alg : new String[] {"maml", "anil"}) {
      String a = alg;
      MetaLearner second = Methods.metaLearner(a, InnerLoop.sgd(2, 0.05), ParamRange.trailing(model.numParams(), model.headParams()), new Method.LearnerOptions(true, false));
      MetaLearner first = Methods.metaLearner("maml".equals(a) ? "fomaml" : a, InnerLoop.sgd(2, 0.05), ParamRange.trailing(model.numParams(), model.headParams()), new Method.LearnerOptions(false, false));
      double[] ref = fdMetaGradient(second, model, th, t, 1e-4);
      double errSecond = Exact.relErr(second.metaGradient(model, th, t).grad(), ref);
      double errFirst = Exact.relErr(first.metaGradient(model, th, t).grad(), ref);
      System.out.printf(Locale.ROOT, "%s: second-order rel. error %.2e, first-order %.2e%n", alg, errSecond, errFirst);
      assertTrue(errSecond < 1e-7, alg + " second-order relative error " + errSecond);
      assertTrue(errFirst > 1e-3, alg + " first-order should miss the second-order terms, error " + errFirst);
    }
  }

  @Test
  void metaSgdRatesMatchFiniteDifferences() {
    GridMlp model = new GridMlp(1, 6);
    MetaTask t = SineTasks.task(2, 4, 0, 8, 8);
    MetaLearner l = Methods.metaLearner("maml", InnerLoop.sgd(2, 0.03).withLearnedRates(true), ParamRange.trailing(model.numParams(), model.headParams()), new Method.LearnerOptions(false, false));
    double[] phi = l.initialMetaParams(model.init(3));
    double err = Exact.relErr(l.metaGradient(model, phi, t).grad(), fdMetaGradient(l, model, phi, t, 1e-4));
    assertTrue(err < 1e-7, "Meta-SGD relative error " + err);
  }

  @Test
  void finiteDifferenceHvpAccuracyByStepSize() {
    GridMlp model = new GridMlp(1, 16);
    TokenBatch b = SineTasks.task(3, 1, 0, 20, 1).support();
    double[] th = model.init(9);
    int n = th.length;
    double[] g0 = new double[n];
    model.lossAndGradient(th, b, g0);
    java.util.SplittableRandom r = new java.util.SplittableRandom(4);
    double[] random = new double[n];
    for (int i = 0; i < n; i++) {
      random[i] = r.nextDouble(-1, 1);
    }
    for (double[] u : new double[][] {random, g0}) {
      // reference: Richardson extrapolation of central differences, O(h^4)
      double[] d1 = new double[n];
      double[] d2 = new double[n];
      double un = FiniteDifferenceHvp.norm(u);
      new FiniteDifferenceHvp(1e-3 * un / Math.max(FiniteDifferenceHvp.norm(th), 1), true).apply(model, th, b, u, null, d1);
      new FiniteDifferenceHvp(0.5e-3 * un / Math.max(FiniteDifferenceHvp.norm(th), 1), true).apply(model, th, b, u, null, d2);
      double[] ref = new double[n];
      for (int i = 0; i < n; i++) {
        ref[i] = (4 * d2[i] - d1[i]) / 3 / un * un; // (step scaled so that ε = 1e-3 and 5e-4 absolute per unit u)
      }
      StringBuilder sb = new StringBuilder(u == g0 ? "along the gradient:" : "random direction:");
      double best = Double.MAX_VALUE;
      for (double rel : new double[] {1e-3, 1e-4, 1e-5, 1e-6, 1e-7}) {
        for (boolean central : new boolean[] {true, false}) {
          double[] out = new double[n];
          new FiniteDifferenceHvp(rel, central).apply(model, th, b, u, g0, out);
          double err = Exact.relErr(out, ref);
          sb.append(String.format(Locale.ROOT, " r=%.0e %s %.1e;", rel, central ? "central" : "forward", err));
          if (rel == 1e-5 && central) {
            best = err;
          }
        }
      }
      System.out.println("HVP accuracy (float64) " + sb);
      assertTrue(best < 1e-7, "central HVP at r=1e-5: relative error " + best);
    }
  }
}
