package org.metamut.lib.meta;

import org.metamut.lib.method.Method;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ParamRange;
import org.junit.jupiter.api.Test;
import org.metamut.lib.meta.synthetic.GridMlp;
import org.metamut.lib.meta.synthetic.LinearTasks;
import org.metamut.lib.optim.Adam;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Meta-learning on a linear task family (8 inputs, tasks = shared weights + task-specific spread 0.3): 5-shot,
 * i.e. fewer examples than parameters. On 100 held-out tasks, the query MSE after adapting the meta-learned
 * initialisation (1 inner step) must beat training from scratch on the same 5 support examples (random init,
 * 100 SGD steps, best of three learning rates) by far. Every algorithm is meta-trained 300 outer steps × 8 tasks.
 */
class SyntheticMetaLearningTest {
  private static final int SHOT = 5;
  private static final LinearTasks FAMILY = new LinearTasks(11, 8, 0.3, 0.05);

  private static double heldOut(MetaLearner l, GridMlp model, double[] phi, int steps) {
    double sum = 0;
    for (int i = 0; i < 100; i++) {
      MetaTask t = FAMILY.task(1_000_000 + i, 0, SHOT, 50);
      sum += model.loss(l.adapt(model, phi, t.support(), steps), t.query());
    }
    return sum / 100;
  }

  @Test
  void metaLearnedInitBeatsTrainingFromScratchAtFiveShots() {
    GridMlp model = new GridMlp(8, 0);
    double scratch = Double.MAX_VALUE;
    for (double lr : new double[] {0.01, 0.03, 0.1}) {
      MetaLearner sgd = Methods.metaLearner("fomaml", InnerLoop.sgd(1, lr), ParamRange.trailing(model.numParams(), 1), new Method.LearnerOptions(false, false));
      scratch = Math.min(scratch, heldOut(sgd, model, model.init(123), 100));
    }
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "linear 5-shot query MSE: scratch (100 steps) %.3f", scratch));
    for (String a : Methods.names(MethodKind.META_LEARNER)) { // the inner-loop (SGD) learners; cf-head: ClosedFormHeadLearnerTest
      if (Methods.metaLearner(a, InnerLoop.sgd(1, 0.1), new ParamRange(0, 1), Method.LearnerOptions.DEFAULTS).recipe().solver()
          != org.metamut.lib.adapt.AdaptationRecipe.Solver.SGD) {
        continue;
      }
      MetaLearner l = Methods.metaLearner(a, InnerLoop.sgd(1, 0.05), ParamRange.trailing(model.numParams(), 1), new Method.LearnerOptions(true, false));
      double[] phi = l.initialMetaParams(model.init(1));
      Adam adam = Adam.standard(phi.length, 0.05);
      for (int s = 1; s <= 300; s++) {
        MetaGradientAggregator agg = MetaGradientAggregator.zero(phi.length, 8);
        for (int i = 0; i < 8; i++) {
          agg.add(l.metaGradient(model, phi, FAMILY.task((long) s * 8 + i, i, SHOT, SHOT)));
        }
        OuterStep.apply(s, agg, adam, 10.0, phi);
      }
      double adapted = heldOut(l, model, phi, 1);
      sb.append(String.format(Locale.ROOT, "; %s (1 step) %.3f", a, adapted));
      assertTrue(adapted < 0.1 * scratch, a + " adapted " + adapted + " vs scratch " + scratch);
    }
    System.out.println(sb);
  }
}
