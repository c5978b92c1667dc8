package org.metamut.lib.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plain gradient descent {@code p -= lr · g}. With Reptile's meta-gradient {@code θ − θ'} this is exactly the
 * Reptile update {@code θ ← θ + lr · mean(θ' − θ)}.
 */
public final class Sgd implements OuterOptimizer {
  private final int dim;
  private final double lr;
  private long t;

  public Sgd(int dim, double lr) {
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new IllegalArgumentException("SGD learning rate must be a finite number > 0, got " + lr);
    }
    this.dim = dim;
    this.lr = lr;
  }

  @Override
  public String name() {
    return "sgd";
  }

  @Override
  public void step(double[] params, double[] grad) {
    if (params.length != dim || grad.length != dim) {
      throw new IllegalArgumentException("SGD has dimension " + dim + " but got params of " + params.length
          + " and a gradient of " + grad.length);
    }
    OuterOptimizer.requireFinite(grad, "outer gradient");
    for (int i = 0; i < dim; i++) {
      params[i] -= lr * grad[i];
    }
    t++;
  }

  @Override
  public long steps() {
    return t;
  }

  @Override
  public Map<String, double[]> state() {
    Map<String, double[]> s = new LinkedHashMap<>();
    s.put("t", new double[] {t});
    return s;
  }

  @Override
  public void restore(Map<String, double[]> state) {
    double[] st = state.get("t");
    if (st == null) {
      throw new IllegalArgumentException("SGD state lacks 't' (keys " + state.keySet() + ")");
    }
    t = (long) st[0];
  }
}
