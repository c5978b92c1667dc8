package org.metamut.jobs.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selection and early stopping fed known meta-val curves. */
class ModelSelectionTest {

  @Test
  void keepsTheBestStepAndStopsAfterPatienceEvaluationsWithoutImprovement() {
    ModelSelection s = new ModelSelection(3);
    // rises to a peak at step 40, then overfits
    double[] curve = {0.10, 0.20, 0.35, 0.41, 0.40, 0.41, 0.39};
    boolean[] stop = new boolean[curve.length];
    for (int i = 0; i < curve.length; i++) {
      s.offer(10L * (i + 1), curve[i]);
      stop[i] = s.shouldStop();
    }
    assertEquals(40, s.best().step());
    assertEquals(0.41, s.best().metric());
    // an equal value is no improvement: the earliest best stays, and steps 50, 60, 70 use up the patience
    assertFalse(stop[5]);
    assertTrue(stop[6]);
    assertEquals(7, s.curve().size());
  }

  @Test
  void patienceZeroNeverStopsAndNaNIsNeverBest() {
    ModelSelection s = new ModelSelection(0);
    assertFalse(s.offer(1, Double.NaN));
    assertNull(s.best());
    assertTrue(s.offer(2, -0.5));
    for (int i = 3; i < 50; i++) {
      s.offer(i, -1);
    }
    assertFalse(s.shouldStop());
    assertEquals(2, s.best().step());
  }
}
