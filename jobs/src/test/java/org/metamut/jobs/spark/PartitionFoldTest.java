package org.metamut.jobs.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.metamut.jobs.testing.LocalSpark;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionFoldTest {

  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
  }

  /** Each partition's items in order, and the partitions concatenated by the merge. */
  private static ArrayList<Integer> inOrder(java.util.Iterator<Integer> it) {
    ArrayList<Integer> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  private static ArrayList<Integer> concat(ArrayList<Integer> a, ArrayList<Integer> b) {
    a.addAll(b);
    return a;
  }

  @Test
  void everyItemIsFoldedOnceWhateverThePartitionsAndDepth() {
    List<Integer> items = IntStream.range(0, 37).boxed().toList();
    for (int parts : new int[] {1, 2, 3, 7, 16, 37, 50}) {
      for (int depth : new int[] {1, 2, 3}) {
        ArrayList<Integer> got = PartitionFold.run(jsc(), items, parts, depth, PartitionFoldTest::inOrder,
            PartitionFoldTest::concat);
        if (!PartitionFold.needsTree(Math.min(parts, items.size()), depth)) {
          // merged on the driver in partition order: the items come back in their order
          assertEquals(items, got, parts + " partitions, depth " + depth);
        } else {
          List<Integer> sorted = new ArrayList<>(got);
          sorted.sort(null);
          assertEquals(items, sorted, parts + " partitions, depth " + depth);
        }
      }
    }
  }

  @Test
  void treeLevelsFollowTreeAggregatesRule() {
    // scale = max(ceil(n^(1/depth)), 2); a level is added while n > scale + ceil(n / scale)
    assertFalse(PartitionFold.needsTree(1, 2));
    assertFalse(PartitionFold.needsTree(2, 2));
    assertFalse(PartitionFold.needsTree(5, 2)); // scale 3: 5 > 3 + 2 is false
    assertTrue(PartitionFold.needsTree(6, 2)); // scale 3: 6 > 3 + 2
    assertTrue(PartitionFold.needsTree(16, 2)); // scale 4: 16 > 4 + 4
    assertFalse(PartitionFold.needsTree(16, 1)); // scale 16: depth 1 never adds a level
    assertTrue(PartitionFold.needsTree(64, 3)); // scale 4: 64 > 4 + 16
  }

  @Test
  void aFailingFoldFailsTheJobWithItsMessageAndBadArgumentsAreRefused() {
    List<Integer> items = List.of(1, 2, 3, 4);
    Exception e = assertThrows(Exception.class, () -> PartitionFold.run(jsc(), items, 2, 2, it -> {
      throw new java.io.IOException("no such episode: 99");
    }, (a, b) -> a));
    assertTrue(String.valueOf(e.getMessage()).contains("no such episode: 99"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> PartitionFold.run(jsc(), List.<Integer>of(), 2, 2, it -> 0, Integer::sum));
    assertThrows(IllegalArgumentException.class, () -> PartitionFold.run(jsc(), items, 2, 0, it -> 0, Integer::sum));
  }
}
