package org.metamut.jobs.data;

import java.util.SplittableRandom;

/**
 * The meta-batch of an outer step as a pure function of (seed, step): {@code k} distinct meta-train episodes
 * (a partial Fisher–Yates shuffle), or all of them and then repeats when there are fewer than {@code k}. No state
 * to checkpoint: a resumed run draws exactly the batches the uninterrupted run would have.
 */
public final class MetaBatchSampler {
  private MetaBatchSampler() {
  }

  public static int[] sample(long seed, long step, int[] pool, int k) {
    if (pool.length == 0) {
      throw new IllegalArgumentException("there are no meta-train episodes to sample from");
    }
    SplittableRandom r = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (step + 1)));
    int[] p = pool.clone();
    int[] out = new int[k];
    for (int i = 0; i < k; i++) {
      int j = i % p.length;
      if (j == 0 && i > 0) {
        // pool exhausted: start a fresh shuffle for the next round
        p = pool.clone();
      }
      int pick = j + r.nextInt(p.length - j);
      int t = p[j];
      p[j] = p[pick];
      p[pick] = t;
      out[i] = p[j];
    }
    return out;
  }
}
