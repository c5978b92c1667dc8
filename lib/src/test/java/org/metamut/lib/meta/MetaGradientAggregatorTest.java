package org.metamut.lib.meta;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetaGradientAggregatorTest {

  private static List<TaskResult> results(int slots, int dim, long seed) {
    Random r = new Random(seed);
    List<TaskResult> out = new ArrayList<>();
    for (int s = 0; s < slots; s++) {
      double[] g = new double[dim];
      for (int i = 0; i < dim; i++) {
        g[i] = r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6); // wide magnitudes: order matters for plain sums
      }
      out.add(new TaskResult(s, "t" + s, g, r.nextDouble(), r.nextDouble(), 32, "cpu", null));
    }
    return out;
  }

  private static TaskResult copy(TaskResult t) {
    return new TaskResult(t.slot(), t.taskId(), t.grad() == null ? null : t.grad().clone(), t.preLoss(), t.postLoss(),
        t.examples(), t.device(), t.error());
  }

  /** Random partitioning into p partitions (some empty), random order inside, random merge tree. */
  private static MetaGradientAggregator aggregate(List<TaskResult> rs, int dim, int slots, long seed) {
    Random r = new Random(seed);
    int p = 1 + r.nextInt(6);
    List<MetaGradientAggregator> parts = new ArrayList<>();
    for (int i = 0; i < p; i++) {
      parts.add(MetaGradientAggregator.zero(dim, slots));
    }
    List<TaskResult> shuffled = new ArrayList<>(rs);
    Collections.shuffle(shuffled, r);
    for (TaskResult t : shuffled) {
      parts.get(r.nextInt(p)).add(copy(t));
    }
    while (parts.size() > 1) {
      MetaGradientAggregator a = parts.remove(r.nextInt(parts.size()));
      MetaGradientAggregator b = parts.remove(r.nextInt(parts.size()));
      parts.add(a.merge(b));
    }
    return parts.get(0);
  }

  @Test
  void resultIsBitwiseIndependentOfPartitioningAndMergeOrder() {
    for (int slots : new int[] {1, 2, 3, 7, 8, 13}) {
      List<TaskResult> rs = results(slots, 50, slots);
      MetaGradientAggregator ref = MetaGradientAggregator.zero(50, slots);
      rs.forEach(t -> ref.add(copy(t)));
      double[] g = ref.gradientSum();
      double[] naive = new double[50];
      for (TaskResult t : rs) {
        for (int i = 0; i < 50; i++) {
          naive[i] += t.grad()[i];
        }
      }
      for (int i = 0; i < 50; i++) {
        assertEquals(naive[i], g[i], 1e-12 * Math.max(1, Math.abs(naive[i])) * slots);
      }
      for (long seed = 0; seed < 30; seed++) {
        MetaGradientAggregator agg = aggregate(rs, 50, slots, seed);
        assertArrayEquals(g, agg.gradientSum(), 0.0, "slots=" + slots + " seed=" + seed);
        assertEquals(ref.meanPostLoss(), agg.meanPostLoss(), 0.0);
        assertEquals(ref.meanPreLoss(), agg.meanPreLoss(), 0.0);
        assertEquals(32L * slots, agg.totalExamples());
      }
      double[] mean = ref.meanGradient();
      assertEquals(g[3] / slots, mean[3], 0.0);
    }
  }

  @Test
  void emptyPartnersAreHarmless() {
    List<TaskResult> rs = results(3, 4, 1);
    MetaGradientAggregator a = MetaGradientAggregator.zero(4, 3);
    rs.forEach(t -> a.add(copy(t)));
    double[] g = a.gradientSum();
    MetaGradientAggregator b = MetaGradientAggregator.zero(4, 3).merge(MetaGradientAggregator.zero(4, 3)).merge(a)
        .merge(MetaGradientAggregator.zero(4, 3));
    assertArrayEquals(g, b.gradientSum(), 0.0);
  }

  @Test
  void refusesIncompleteDuplicateOrMismatched() {
    List<TaskResult> rs = results(3, 4, 2);
    MetaGradientAggregator a = MetaGradientAggregator.zero(4, 3);
    assertThrows(IllegalStateException.class, a::gradientSum);
    a.add(copy(rs.get(0)));
    IllegalStateException e = assertThrows(IllegalStateException.class, a::meanGradient);
    assertTrue(e.getMessage().contains("missing slots 1, 2"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> a.add(copy(rs.get(0))));
    MetaGradientAggregator other = MetaGradientAggregator.zero(4, 3).add(copy(rs.get(0)));
    assertThrows(IllegalStateException.class, () -> a.merge(other));
    IllegalArgumentException dimE = assertThrows(IllegalArgumentException.class, () -> a.merge(MetaGradientAggregator.zero(5, 3)));
    assertTrue(dimE.getMessage().contains("dim 4") && dimE.getMessage().contains("dim 5"), dimE.getMessage());
  }

  @Test
  void keepsTheLowestSlotError() {
    MetaGradientAggregator a = MetaGradientAggregator.zero(2, 4);
    a.add(TaskResult.failed(3, "t3", "cpu", "task t3: boom"));
    MetaGradientAggregator b = MetaGradientAggregator.zero(2, 4);
    b.add(TaskResult.failed(1, "t1", "cpu", "task t1: NaN"));
    assertNull(MetaGradientAggregator.zero(2, 4).firstError());
    assertEquals("task t1: NaN", a.merge(b).firstError());
    IllegalStateException e = assertThrows(IllegalStateException.class, a::meanGradient);
    assertTrue(e.getMessage().contains("task t1: NaN"));
  }
}
