package org.metamut.lib.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The bootstrap draws protein groups, each with all its tasks, not tasks one by one. */
class BootstrapGroupsTest {

  /** Tasks 0 and 1 (values 1 and 3) are one protein's two assays, task 2 (value 10) another protein. */
  private static final double[][] VALUES = {{1}, {3}, {10}};

  private static Set<Double> replicates(int[] groups) {
    List<Double> seen = new ArrayList<>();
    Bootstrap.WeightedStatistic mean = Bootstrap.weightedMean(VALUES);
    new Bootstrap(400, 0.9, 7).grouped(groups, new int[] {1, 1, 1}, w -> {
      double v = mean.apply(w);
      seen.add(Math.rint(v * 1e9) / 1e9);
      return v;
    });
    return new TreeSet<>(seen);
  }

  @Test
  void aDrawnGroupBringsAllItsTasks() {
    // two groups: every replicate is AA (mean 2), BB (10) or AB/BA (14/3); the first call is the point estimate 14/3
    Set<Double> grouped = replicates(new int[] {0, 0, 1});
    assertEquals(Set.of(2.0, 10.0, Math.rint(14.0 / 3 * 1e9) / 1e9), grouped);
    // tasks as independent units: e.g. task 0 three times (mean 1) appears, which grouping rules out
    Set<Double> byTask = replicates(new int[] {0, 1, 2});
    assertTrue(byTask.contains(1.0) && byTask.size() > 3, byTask.toString());
  }

  @Test
  void everyTaskItsOwnGroupIsTheTaskBootstrapDrawForDraw() {
    int[] seeds = {3, 1, 2, 3};
    double[][] v = {{1, 2, 3}, {4}, {5, 6}, {0.5, 9, 1}};
    Interval a = new Bootstrap(500, 0.95, 11).hierarchical(seeds, Bootstrap.weightedMean(v));
    Interval b = new Bootstrap(500, 0.95, 11).grouped(new int[] {0, 1, 2, 3}, seeds, Bootstrap.weightedMean(v));
    assertEquals(a, b);
  }

  @Test
  void groupLabelsMustCoverZeroToG() {
    assertThrows(IllegalArgumentException.class,
        () -> new Bootstrap(10, 0.9, 1).grouped(new int[] {0, 2}, new int[] {1, 1}, w -> 0));
  }
}
