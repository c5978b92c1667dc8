package org.metamut.lib.library;

import org.metamut.lib.mutation.Mutation;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code n} random k-site mutants: for each index, k distinct positions drawn uniformly, each substituted by
 * one of its 19 non-wild-type residues, uniformly. The random stream of index {@code i} is seeded from
 * {@code (seed, i)} alone, so the library is the same however it is partitioned and whichever subset is
 * generated. Draws are independent, so the same variant may occur at two indices (sampling with replacement;
 * for {@code n} much smaller than {@code C(L,k)·19^k} repeats are rare).
 */
public final class RandomMutants implements VariantLibrary {
  private static final long serialVersionUID = 1L;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final String wildType;
  private final int k;
  private final long n;
  private final long seed;

  public RandomMutants(String wildType, int k, long n, long seed) {
    this.wildType = VariantLibrary.requireStandard(wildType);
    if (k < 1 || k > wildType.length()) {
      throw new IllegalArgumentException("random mutants need 1 <= k <= L=" + wildType.length() + " sites, got k=" + k);
    }
    if (n < 1) {
      throw new IllegalArgumentException("random mutants need n >= 1 variants, got " + n);
    }
    this.k = k;
    this.n = n;
    this.seed = seed;
  }

  @Override
  public String wildType() {
    return wildType;
  }

  @Override
  public long size() {
    return n;
  }

  public int sites() {
    return k;
  }

  /** SplitMix64's finaliser: a well-mixed 64-bit value of (seed, index). */
  static long mix(long seed, long index) {
    long z = seed + GOLDEN * (index + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public List<Mutation> get(long index) {
    checkIndex(index);
    SplittableRandom rng = new SplittableRandom(mix(seed, index));
    int len = wildType.length();
    int[] pos = new int[k];
    if (2L * k <= len) {
      // Rejection sampling: cheap when k is small against L.
      int got = 0;
      while (got < k) {
        int p = rng.nextInt(len);
        boolean dup = false;
        for (int j = 0; j < got; j++) {
          if (pos[j] == p) {
            dup = true;
            break;
          }
        }
        if (!dup) {
          pos[got++] = p;
        }
      }
    } else {
      // Partial Fisher-Yates over all positions.
      int[] all = new int[len];
      for (int i = 0; i < len; i++) {
        all[i] = i;
      }
      for (int i = 0; i < k; i++) {
        int j = i + rng.nextInt(len - i);
        int t = all[i];
        all[i] = all[j];
        all[j] = t;
        pos[i] = all[i];
      }
    }
    Arrays.sort(pos);
    Mutation[] out = new Mutation[k];
    for (int i = 0; i < k; i++) {
      char wt = wildType.charAt(pos[i]);
      int wtIdx = Mutation.AMINO_ACIDS.indexOf(wt);
      int r = rng.nextInt(Mutation.AMINO_ACIDS.length() - 1);
      out[i] = new Mutation(pos[i] + 1, wt, Mutation.AMINO_ACIDS.charAt(r < wtIdx ? r : r + 1));
    }
    return List.of(out);
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "random(k=%d, n=%,d, seed=%d, L=%d)", k, n, seed, wildType.length());
  }

  @Override
  public String toString() {
    return describe();
  }
}
