package org.metamut.jobs.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MetaBatchSamplerTest {

  @Test
  void batchIsAPureFunctionOfSeedAndStepWithDistinctEpisodes() {
    int[] pool = {3, 5, 8, 13, 21, 34, 55, 89, 144, 233};
    int[] a = MetaBatchSampler.sample(42, 7, pool, 6);
    assertArrayEquals(a, MetaBatchSampler.sample(42, 7, pool, 6));
    assertEquals(6, Arrays.stream(a).distinct().count());
    assertFalse(Arrays.equals(a, MetaBatchSampler.sample(42, 8, pool, 6)));
    assertFalse(Arrays.equals(a, MetaBatchSampler.sample(43, 7, pool, 6)));
    for (int x : a) {
      assertEquals(true, Arrays.stream(pool).anyMatch(p -> p == x));
    }
  }

  @Test
  void moreTasksThanEpisodesRepeatsEveryEpisodeBeforeAnyTwice() {
    int[] pool = {1, 2, 3};
    int[] a = MetaBatchSampler.sample(1, 1, pool, 7);
    int[] firstRound = Arrays.copyOf(a, 3);
    Arrays.sort(firstRound);
    assertArrayEquals(pool, firstRound);
    int[] second = Arrays.copyOfRange(a, 3, 6);
    Arrays.sort(second);
    assertArrayEquals(pool, second);
    assertThrows(IllegalArgumentException.class, () -> MetaBatchSampler.sample(1, 1, new int[0], 2));
  }
}
