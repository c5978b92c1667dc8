package org.metamut.lib.meta;

import org.metamut.lib.method.Method;
import org.metamut.lib.method.MethodKind;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ParamRange;
import org.junit.jupiter.api.Test;
import org.metamut.lib.meta.synthetic.GridMlp;
import org.metamut.lib.meta.synthetic.LinearTasks;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NonFiniteGuardTest {

  @Test
  void divergingInnerLoopStopsNamingTaskAndStep() {
    GridMlp model = new GridMlp(4, 0);
    MetaTask t = new LinearTasks(1, 4, 0.5, 0.1).task(2, 5, 5, 5);
    // an absurd inner rate makes θ overflow within a few steps
    MetaLearner l = Methods.metaLearner("fomaml", InnerLoop.sgd(400, 50.0), ParamRange.trailing(5, 5), new Method.LearnerOptions(false, false));
    NonFiniteException e = assertThrows(NonFiniteException.class, () -> l.metaGradient(model, new double[5], t));
    assertTrue(e.getMessage().startsWith("task linear-2 (meta-batch slot 5), inner step "), e.getMessage());
    assertTrue(e.getMessage().contains(" of 400"), e.getMessage());
  }

  @Test
  void nanParametersAreReportedBeforeAnyGradientLeaves() {
    GridMlp model = new GridMlp(4, 0);
    MetaTask t = new LinearTasks(1, 4, 0.5, 0.1).task(2, 0, 5, 5);
    double[] th = new double[5];
    th[2] = Double.NaN;
    for (String a : Methods.names(MethodKind.META_LEARNER)) { // the inner-loop (SGD) learners; cf-head: ClosedFormHeadLearnerTest
      if (Methods.metaLearner(a, InnerLoop.sgd(1, 0.1), new ParamRange(0, 1), Method.LearnerOptions.DEFAULTS).recipe().solver()
          != org.metamut.lib.adapt.AdaptationRecipe.Solver.SGD) {
        continue;
      }
      MetaLearner l = Methods.metaLearner(a, InnerLoop.sgd(1, 0.01), ParamRange.trailing(5, 5), new Method.LearnerOptions(true, false));
      NonFiniteException e = assertThrows(NonFiniteException.class, () -> l.metaGradient(model, th, t));
      assertTrue(e.getMessage().contains("inner step 1 of 1"), a + ": " + e.getMessage());
    }
  }
}
