package org.metamut.jobs.data;

import org.junit.jupiter.api.Test;
import org.metamut.jobs.train.DmsTableSeed;
import org.metamut.lib.model.DmsMatrixEstimate;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TransformerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The starting {@code sub.dms} table: read from every single substitution of the fresh-episode pool, per task. */
class DmsTableSeedTest {
  private static final ModelSpec CONTEXT = ModelSpec.reference(1, 8, 2, 16, 64).withPooling(ModelSpec.Pooling.SITES)
      .withSubstitutionFeatures(true).withSubstitutionContext(true);

  @Test
  void theTableIsThePoolsPerTaskEstimateAndNothingElseMoves() {
    VariantPool pool = VariantPoolTest.pool();
    TransformerFactory f = TransformerFactory.of(CONTEXT);
    double[] theta = f.initialTheta(5);
    double[] before = theta.clone();
    List<String> said = new ArrayList<>();
    DmsTableSeed.apply(theta, f, null, pool, said::add);
    // the same singles by hand, task by task (the pool's tasks: 5000 single mutants, then 300 pooled)
    DmsMatrixEstimate direct = new DmsMatrixEstimate();
    String seq = VariantPoolTest.SEQ;
    String other = seq.substring(20, 120);
    for (int v = 0; v < 5300; v++) {
      boolean second = v >= 5000 && v % 2 == 0;
      String s = second ? other : seq;
      char wt = s.charAt(v % s.length());
      direct.add(v < 5000 ? "src/one" : "src/pooled", wt, wt == 'A' ? 'G' : 'A', Math.sin(v));
    }
    ParamLayout.Tensor dms = ParamLayout.of(CONTEXT).get("sub.dms");
    assertArrayEquals(direct.matrix(), Arrays.copyOfRange(theta, dms.offset(), dms.offset() + dms.size()), 0.0);
    assertTrue(Arrays.stream(direct.matrix()).anyMatch(x -> x != 0), "the pool's substitutions reach the table");
    assertArrayEquals(Arrays.copyOf(before, dms.offset()), Arrays.copyOf(theta, dms.offset()), 0.0);
    assertEquals(1, said.size());
    assertTrue(said.get(0).contains("from 2 tasks, 5300 single substitutions"), said.get(0));
    // a model without the context columns is left as it was, silently
    TransformerFactory plain = TransformerFactory.of(CONTEXT.withSubstitutionContext(false));
    double[] p = plain.initialTheta(5);
    DmsTableSeed.apply(p, plain, null, pool, said::add);
    assertArrayEquals(plain.initialTheta(5), p, 0.0);
    assertEquals(1, said.size());
  }
}
