package org.metamut.lib.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma &amp; Ba 2015) with bias correction:
 * {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= lr · m̂ / (√v̂ + eps)}, with m̂ = m/(1-b1^t),
 * v̂ = v/(1-b2^t). Optional decoupled weight decay ({@code p -= lr · wd · p}, AdamW) is off by default.
 */
public final class Adam implements OuterOptimizer {
  private final double lr;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final double[] m;
  private final double[] v;
  private long t;

  public Adam(int dim, double lr, double beta1, double beta2, double eps, double weightDecay) {
    if (dim < 1) {
      throw new IllegalArgumentException("Adam dimension must be >= 1, got " + dim);
    }
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("Adam learning rate must be a finite number > 0, got " + lr);
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("Adam epsilon must be > 0, got " + eps);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("Adam weight decay must be >= 0, got " + weightDecay);
    }
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.m = new double[dim];
    this.v = new double[dim];
  }

  /** Adam with the usual defaults b1 = 0.9, b2 = 0.999, eps = 1e-8, no weight decay. */
  public static Adam standard(int dim, double lr) {
    return new Adam(dim, lr, 0.9, 0.999, 1e-8, 0.0);
  }

  @Override
  public String name() {
    return "adam";
  }

  @Override
  public void step(double[] params, double[] grad) {
    if (params.length != m.length || grad.length != m.length) {
      throw new IllegalArgumentException("Adam has dimension " + m.length + " but got params of " + params.length
          + " and a gradient of " + grad.length);
    }
    OuterOptimizer.requireFinite(grad, "outer gradient");
    t++;
    double c1 = 1 - Math.pow(beta1, t);
    double c2 = 1 - Math.pow(beta2, t);
    for (int i = 0; i < params.length; i++) {
      double g = grad[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      double mh = m[i] / c1;
      double vh = v[i] / c2;
      params[i] -= lr * (mh / (Math.sqrt(vh) + eps) + weightDecay * params[i]);
    }
  }

  @Override
  public long steps() {
    return t;
  }

  @Override
  public Map<String, double[]> state() {
    Map<String, double[]> s = new LinkedHashMap<>();
    s.put("m", m.clone());
    s.put("v", v.clone());
    s.put("t", new double[] {t});
    return s;
  }

  @Override
  public void restore(Map<String, double[]> state) {
    double[] sm = state.get("m");
    double[] sv = state.get("v");
    double[] st = state.get("t");
    if (sm == null || sv == null || st == null || sm.length != m.length || sv.length != v.length) {
      throw new IllegalArgumentException("Adam state does not fit an optimiser of dimension " + m.length
          + " (keys " + state.keySet() + ")");
    }
    System.arraycopy(sm, 0, m, 0, m.length);
    System.arraycopy(sv, 0, v, 0, v.length);
    t = (long) st[0];
  }
}
