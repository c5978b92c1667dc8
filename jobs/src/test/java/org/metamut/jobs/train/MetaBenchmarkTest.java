package org.metamut.jobs.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bound printed beside the measured partition speed-up, on cases worked out by hand. */
class MetaBenchmarkTest {

  @Test
  void dividingOnlyTheTasksLeavesTheRestOfTheStepWhereItWas() {
    // 274 ms, of which 262 in the tasks: at 2 partitions 12 + 131 = 143 ms
    assertEquals(274.0 / 143.0, MetaBenchmark.dividedTasksBound(274, 262, 16, 1, 2), 1e-12);
    // nothing outside the tasks: the partition count itself
    assertEquals(4.0, MetaBenchmark.dividedTasksBound(100, 100, 16, 1, 4), 1e-12);
    // from 2 to 4 partitions the slowest partition's share halves again: 10 + 45 = 55
    assertEquals(100.0 / 55.0, MetaBenchmark.dividedTasksBound(100, 90, 16, 2, 4), 1e-12);
  }

  @Test
  void theSlowestPartitionHoldsTheRoundedUpShareAndNeverLessThanOneTask() {
    // 5 tasks on 2 partitions: the slowest runs 3 of the 5, so 10 + 90·3/5 = 64
    assertEquals(100.0 / 64.0, MetaBenchmark.dividedTasksBound(100, 90, 5, 1, 2), 1e-12);
    // 2 tasks cannot use 8 partitions: as with 2, 10 + 45
    assertEquals(100.0 / 55.0, MetaBenchmark.dividedTasksBound(100, 90, 2, 1, 8), 1e-12);
  }

  @Test
  void aSlowestTaskLongerThanTheStepIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MetaBenchmark.dividedTasksBound(100, 120, 16, 1, 2));
    assertTrue(e.getMessage().contains("slowest task 120.0 ms"), e.getMessage());
  }
}
