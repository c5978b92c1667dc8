package org.metamut.lib.meta.synthetic;

import org.metamut.lib.meta.MetaTask;
import org.metamut.lib.model.TokenBatch;

import java.util.SplittableRandom;

/**
 * Linear-regression tasks that share structure: y = (w₀ + δ)·x + noise, with a family-wide w₀ (from the
 * family seed) and a small task-specific δ ~ N(0, spread²) per coordinate; x ~ U[−2, 2]^d. A meta-learned
 * initialisation near w₀ adapts from a few examples; a model trained from scratch on them cannot.
 */
public final class LinearTasks {
  private final long seed;
  private final int dim;
  private final double spread;
  private final double noise;
  private final double[] w0;

  public LinearTasks(long seed, int dim, double spread, double noise) {
    this.seed = seed;
    this.dim = dim;
    this.spread = spread;
    this.noise = noise;
    SplittableRandom r = new SplittableRandom(seed);
    this.w0 = new double[dim + 1];
    for (int i = 0; i <= dim; i++) {
      w0[i] = r.nextDouble(-3, 3);
    }
  }

  public int dim() {
    return dim;
  }

  public MetaTask task(long index, int slot, int support, int query) {
    SplittableRandom r = new SplittableRandom(seed * 31 + index * 0x9E3779B97F4A7C15L);
    double[] w = new double[dim + 1];
    for (int i = 0; i <= dim; i++) {
      w[i] = w0[i] + spread * gaussian(r);
    }
    return new MetaTask(slot, "linear-" + index, sample(r, w, support), sample(r, w, query));
  }

  private TokenBatch sample(SplittableRandom r, double[] w, int n) {
    int[] ids = new int[n * dim];
    double[] y = new double[n];
    for (int b = 0; b < n; b++) {
      double s = w[dim];
      for (int i = 0; i < dim; i++) {
        ids[b * dim + i] = GridMlp.encode(r.nextDouble(-2, 2));
        s += w[i] * GridMlp.decode(ids[b * dim + i]);
      }
      y[b] = s + noise * gaussian(r);
    }
    return TokenBatch.of(n, dim, ids, y);
  }

  private static double gaussian(SplittableRandom r) {
    double u = r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }
}
