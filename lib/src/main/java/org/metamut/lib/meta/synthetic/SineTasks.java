package org.metamut.lib.meta.synthetic;

import org.metamut.lib.meta.MetaTask;
import org.metamut.lib.model.TokenBatch;

import java.util.SplittableRandom;

/**
 * The sine-regression task family of the MAML paper: y = A·sin(x − φ), A ∈ [0.1, 5], φ ∈ [0, π],
 * x ∈ [−5, 5], one input per example (for {@link GridMlp} with 1 input). Task {@code i} of a seed is always the
 * same task.
 */
public final class SineTasks {
  private SineTasks() {
  }

  public static MetaTask task(long seed, long index, int slot, int support, int query) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    double amp = r.nextDouble(0.1, 5.0);
    double phase = r.nextDouble(0, Math.PI);
    return new MetaTask(slot, "sine-" + index, sample(r, amp, phase, support), sample(r, amp, phase, query));
  }

  private static TokenBatch sample(SplittableRandom r, double amp, double phase, int n) {
    int[] ids = new int[n];
    double[] y = new double[n];
    for (int b = 0; b < n; b++) {
      ids[b] = GridMlp.encode(r.nextDouble(-5, 5));
      y[b] = amp * Math.sin(GridMlp.decode(ids[b]) - phase);
    }
    return TokenBatch.of(n, 1, ids, y);
  }
}
