package org.metamut.lib.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ParamLayout#count} (what a model file's reader checks the data length against, before any layout is built)
 * equals the layout's own parameter count for every architecture switch: a model with the substitution block was
 * once unreadable because the count left {@code head.Ws} out.
 */
class ParamLayoutCountTest {
  @Test
  void countMatchesTheLayoutForEveryArchitectureSwitch() {
    for (ModelSpec.Positional pos : ModelSpec.Positional.values()) {
      for (ModelSpec.Pooling pool : ModelSpec.Pooling.values()) {
        for (boolean flags : new boolean[] {false, true}) {
          for (boolean subst : new boolean[] {false, true}) {
            ModelSpec s = ModelSpec.reference(2, 16, 2, 32, 24).withPositional(pos).withPooling(pool).withFlags(flags)
                .withSubstitutionFeatures(subst);
            assertEquals(ParamLayout.of(s).numParams(), ParamLayout.count(s), s.summary());
          }
        }
      }
    }
  }
}
