package org.metamut.lib.method;

import org.junit.jupiter.api.Test;
import org.metamut.lib.meta.InnerLoop;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.model.ParamRange;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MethodsTest {

  private static String tinyEsm() {
    try {
      return java.nio.file.Path.of(MethodsTest.class.getResource("/esm2-tiny/config.json").toURI()).getParent().toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void unknownNamesNameTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Methods.get("mamll"));
    assertTrue(e.getMessage().contains("unknown method 'mamll'"), e.getMessage());
    for (String n : Methods.names()) {
      assertTrue(e.getMessage().contains(n), e.getMessage());
    }
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
        () -> Methods.metaLearner("finetune", InnerLoop.sgd(1, 0.1), new ParamRange(0, 1), Method.LearnerOptions.DEFAULTS));
    assertTrue(e2.getMessage().contains("unknown meta-learner 'finetune'"), e2.getMessage());
  }

  @Test
  void everyMetaLearnerRecordsItsRegistryNameAndInnerLoop() {
    List<String> meta = Methods.names(MethodKind.META_LEARNER);
    assertFalse(meta.isEmpty());
    for (String n : meta) {
      MetaLearner l = Methods.metaLearner(n, InnerLoop.sgd(3, 0.02), new ParamRange(8, 10), Method.LearnerOptions.DEFAULTS);
      assertEquals(n, l.name());
      assertEquals(n, l.recipe().learner());
      if (l.recipe().solver() == org.metamut.lib.adapt.AdaptationRecipe.Solver.SGD) {
        assertEquals(3, l.recipe().steps());
        assertEquals(0.02, l.recipe().learningRate());
      }
    }
  }

  @Test
  void learnedRatesOnlyWhereSupportedAndNamesAreUnique() {
    for (Method m : Methods.all().values()) {
      if (m.kind() == MethodKind.META_LEARNER && !m.learnedRates()) {
        assertThrows(IllegalArgumentException.class, () -> m.createLearner(InnerLoop.sgd(1, 0.1).withLearnedRates(true),
            new ParamRange(0, 1), Method.LearnerOptions.DEFAULTS));
      }
      if (m.kind() == MethodKind.BASELINE && !m.needsEsm()) {
        assertEquals(m.name(), m.createBaseline().name());
      }
      if (m.needsEsm()) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m::createBaseline);
        assertTrue(e.getMessage().contains("needs an ESM-2 checkpoint"), e.getMessage());
        assertEquals(m.name(), m.createBaseline(new Method.Resources(tinyEsm())).name());
      }
    }
    Method first = Methods.all().values().iterator().next();
    assertThrows(IllegalArgumentException.class, () -> Methods.register(first));
    assertEquals(Methods.names().size(), Methods.names(MethodKind.values()).size());
  }
}
