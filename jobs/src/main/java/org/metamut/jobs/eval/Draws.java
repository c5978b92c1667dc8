package org.metamut.jobs.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The support and query indices of one (task, k, seed) run, identical for every method.
 *
 * <p><b>Nested supports, one query.</b> For a (task, seed) one permutation of the task's pool is drawn (Fisher–Yates
 * over {@link SplittableRandom}, seeded by the seed and the task's name, not by k). The support set of every k is the
 * permutation's first k indices, so the k = 8 support is inside the k = 16 one: a curve over k measures more labels,
 * not another sample. The query set is the next {@code min(maxQuery, n − kmax)} indices after the largest k, shared
 * by every k of that seed, so it is disjoint from every support of that (task, seed) and the k's are scored on the
 * same variants.
 */
public record Draws(int k, int[] support, int[] query) {

  /**
   * The draws of {@code ks} (ascending, each {@code 1 <= k < n}) for one (task, seed), in the order of {@code ks}.
   */
  public static List<Draws> nested(String task, int n, int[] ks, long seed, int maxQuery) {
    if (ks.length == 0) {
      throw new IllegalArgumentException("task " + task + ": no shot size to draw");
    }
    for (int i = 0; i < ks.length; i++) {
      if (ks[i] < 1 || ks[i] >= n) {
        throw new IllegalArgumentException("task " + task + ": k = " + ks[i] + " needs 1 <= k < " + n + " variants");
      }
      if (i > 0 && ks[i] <= ks[i - 1]) {
        throw new IllegalArgumentException("task " + task + ": shot sizes must ascend, got " + Arrays.toString(ks));
      }
    }
    int[] perm = permutation(task, n, seed);
    int kmax = ks[ks.length - 1];
    int q = Math.min(maxQuery, n - kmax);
    int[] query = Arrays.copyOfRange(perm, kmax, kmax + q);
    Arrays.sort(query);
    List<Draws> out = new ArrayList<>(ks.length);
    for (int k : ks) {
      int[] s = Arrays.copyOfRange(perm, 0, k);
      Arrays.sort(s);
      out.add(new Draws(k, s, query));
    }
    return out;
  }

  /** One k alone: the support and query {@link #nested} gives when k is the largest shot size. */
  public static Draws draw(String task, int n, int k, long seed, int maxQuery) {
    return nested(task, n, new int[] {k}, seed, maxQuery).get(0);
  }

  private static int[] permutation(String task, int n, long seed) {
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ task.hashCode() * 31L);
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }
}
