package org.metamut.lib.meta;

import org.junit.jupiter.api.Test;
import org.metamut.lib.meta.synthetic.GridMlp;
import org.metamut.lib.meta.synthetic.SineTasks;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ParamRange;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/**
 * The meta-learners reuse their work arrays from task to task on a thread ({@link WorkArrays}): a task's
 * meta-gradient is the same, to the bit, whether it runs first on a fresh thread or after other tasks (of another
 * model size, other inner-loop settings) on this one, and the gradient a task returns is its own array, untouched by
 * the next task.
 */
class WorkArraysTest {

  private record Case(String algorithm, FlatModel model, int steps, boolean learnedRates, boolean central) {
    MetaLearner learner() {
      GridMlp m = (GridMlp) model;
      InnerLoop inner = InnerLoop.sgd(steps, 0.05).withLearnedRates(learnedRates);
      if (!central) {
        inner = inner.withHvp(inner.hvpRelativeStep(), false);
      }
      return Methods.metaLearner(algorithm, inner, ParamRange.trailing(m.numParams(), m.headParams()),
          new Method.LearnerOptions(true, false));
    }

    double[] phi() {
      return learner().initialMetaParams(((GridMlp) model).init(3));
    }
  }

  @Test
  void aTasksMetaGradientDoesNotDependOnTheTasksBeforeItOnItsThread() throws Exception {
    GridMlp small = new GridMlp(1, 6);
    GridMlp large = new GridMlp(1, 10);
    Case[] cases = {
        new Case("maml", small, 2, false, true),
        new Case("maml", large, 1, true, false),
        new Case("fomaml", small, 3, false, true),
        new Case("anil", large, 2, false, true),
        new Case("reptile", small, 2, false, true),
        new Case("reptile", large, 1, false, true),
    };
    MetaTask a = SineTasks.task(1, 0, 0, 6, 5);
    MetaTask b = SineTasks.task(1, 1, 1, 7, 4);
    for (Case c : cases) {
      double[] fresh = onAFreshThread(c, a);
      for (Case before : cases) { // every other case first, so that the arrays hold their leftovers
        before.learner().metaGradient(before.model(), before.phi(), b);
        TaskResult first = c.learner().metaGradient(c.model(), c.phi(), a);
        double[] kept = first.grad().clone();
        TaskResult second = c.learner().metaGradient(c.model(), c.phi(), b);
        String where = c + " after " + before;
        assertArrayEquals(fresh, first.grad(), 0.0, where);
        assertNotSame(first.grad(), second.grad(), where);
        assertArrayEquals(kept, first.grad(), 0.0, "the next task left the returned gradient alone, " + where);
      }
    }
  }

  private static double[] onAFreshThread(Case c, MetaTask task) throws InterruptedException {
    AtomicReference<double[]> out = new AtomicReference<>();
    Thread t = new Thread(() -> out.set(c.learner().metaGradient(c.model(), c.phi(), task).grad()));
    t.start();
    t.join();
    return out.get();
  }
}
