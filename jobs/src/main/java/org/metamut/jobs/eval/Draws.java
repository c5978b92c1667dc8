package org.metamut.jobs.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The support and query indices of one (task, k, seed) run: a permutation of the task's pool seeded by the seed
 * and the task's name (Fisher–Yates over {@link SplittableRandom}); the first k are the support set, the next
 * {@code min(maxQuery, n − k)} the query set. Disjoint by construction, and identical for every method.
 */
public record Draws(int[] support, int[] query) {

  public static Draws draw(String task, int n, int k, long seed, int maxQuery) {
    if (k < 1 || k >= n) {
      throw new IllegalArgumentException("task " + task + ": k = " + k + " needs 1 <= k < " + n + " variants");
    }
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ task.hashCode() * 31L + k);
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int q = Math.min(maxQuery, n - k);
    int[] s = Arrays.copyOfRange(perm, 0, k);
    int[] qu = Arrays.copyOfRange(perm, k, k + q);
    Arrays.sort(s);
    Arrays.sort(qu);
    return new Draws(s, qu);
  }
}
