package org.metamut.lib.meta;

import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

/**
 * Hessian-vector products of a batch loss by finite differences of gradients (ND4J has no second derivatives):
 * central {@code H·u ≈ (∇L(θ+εu) − ∇L(θ−εu)) / 2ε} (truncation error O(ε²), 2 gradient calls) or forward
 * {@code (∇L(θ+εu) − ∇L(θ)) / ε} (O(ε), 1 call given ∇L(θ)). The step is relative to the parameter scale,
 * {@code ε = r · max(‖θ‖, 1) / ‖u‖}. Measured on the tiny transformer of {@code maml-reference.json} (see
 * {@code MamlReferenceTest}): the error of the second-order meta-gradient falls as r² down to r ≈ 1e-7 in float64
 * (2.8e-6 at 1e-5, 2.8e-8 at 1e-6, 3e-10 at 1e-7), and is best near r ≈ 3e-5..1e-4 (~2e-4) for a float32 model,
 * where rounding of the gradients dominates smaller steps. Exact for a quadratic loss up to rounding.
 * Not thread-safe (scratch buffers).
 */
public final class FiniteDifferenceHvp {
  /** Default relative step for models computing in float64. */
  public static final double DEFAULT_STEP_FLOAT64 = 1e-6;
  /** Default relative step for models computing in float32. */
  public static final double DEFAULT_STEP_FLOAT32 = 5e-5;

  private final double relativeStep;
  private final boolean central;
  private double[] plus;
  private double[] minus;
  private double[] gPlus;
  private double[] gMinus;

  public FiniteDifferenceHvp(double relativeStep, boolean central) {
    if (!(relativeStep > 0)) {
      throw new IllegalArgumentException("relative step must be > 0, got " + relativeStep);
    }
    this.relativeStep = relativeStep;
    this.central = central;
  }

  /**
   * Writes H(θ)·u into {@code out}. {@code gradAtTheta} (∇L(θ) on the same batch) is used by forward differences
   * and may be null for central ones. Returns the ε used (0 when u = 0, and then out = 0).
   */
  public double apply(FlatModel model, double[] theta, TokenBatch batch, double[] u, double[] gradAtTheta,
                      double[] out) {
    int n = theta.length;
    ensure(n);
    double un = norm(u);
    if (un == 0) {
      java.util.Arrays.fill(out, 0, n, 0.0);
      return 0;
    }
    double eps = relativeStep * Math.max(norm(theta), 1.0) / un;
    for (int i = 0; i < n; i++) {
      plus[i] = theta[i] + eps * u[i];
    }
    model.lossAndGradient(plus, batch, gPlus);
    if (central) {
      for (int i = 0; i < n; i++) {
        minus[i] = theta[i] - eps * u[i];
      }
      model.lossAndGradient(minus, batch, gMinus);
      double inv = 1.0 / (2 * eps);
      for (int i = 0; i < n; i++) {
        out[i] = (gPlus[i] - gMinus[i]) * inv;
      }
    } else {
      if (gradAtTheta == null) {
        throw new IllegalArgumentException("forward-difference HVP needs the gradient at θ");
      }
      double inv = 1.0 / eps;
      for (int i = 0; i < n; i++) {
        out[i] = (gPlus[i] - gradAtTheta[i]) * inv;
      }
    }
    return eps;
  }

  double relativeStep() {
    return relativeStep;
  }

  boolean central() {
    return central;
  }

  /** Gradient calls per product. */
  public int gradientCalls() {
    return central ? 2 : 1;
  }

  private void ensure(int n) {
    if (plus == null || plus.length != n) {
      plus = new double[n];
      minus = new double[n];
      gPlus = new double[n];
      gMinus = new double[n];
    }
  }

  static double norm(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
