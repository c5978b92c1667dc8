package org.metamut.lib.meta.synthetic;

import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.TokenBatch;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * f(x) = W2·tanh(x·W1 + b1) + b2 (hidden &gt; 0) or f(x) = x·w + b (hidden = 0), with the MSE loss and exact
 * gradients in double. Inputs: example b has {@code seqLen = inputs} tokens; token id t encodes the real value
 * {@code lo + (hi − lo)·t/(gridSize − 1)} (see {@link #encode}). θ layout: W1 [inputs×hidden] row-major, b1
 * [hidden], W2 [hidden], b2 (hidden &gt; 0); w [inputs], b (hidden = 0). Stateless, so also thread-safe.
 */
public final class GridMlp implements FlatModel, Serializable {
  private static final long serialVersionUID = 1L;

  public static final int GRID = 100_001;
  public static final double LO = -10;
  public static final double HI = 10;

  private final int inputs;
  private final int hidden;

  public GridMlp(int inputs, int hidden) {
    if (inputs < 1 || hidden < 0) {
      throw new IllegalArgumentException("GridMlp needs inputs >= 1 and hidden >= 0, got " + inputs + ", " + hidden);
    }
    this.inputs = inputs;
    this.hidden = hidden;
  }

  /** Token id for the real value x (clamped to the grid; resolution 2e-4). */
  public static int encode(double x) {
    double c = Math.max(LO, Math.min(HI, x));
    return (int) Math.round((c - LO) / (HI - LO) * (GRID - 1));
  }

  public static double decode(int id) {
    return LO + (HI - LO) * id / (GRID - 1);
  }

  @Override
  public int numParams() {
    return hidden == 0 ? inputs + 1 : inputs * hidden + 2 * hidden + 1;
  }

  public int hidden() {
    return hidden;
  }

  /** The last parameters, {@code W2, b2} (or {@code w, b} when linear): the head for ANIL. */
  public int headParams() {
    return hidden == 0 ? inputs + 1 : hidden + 1;
  }

  /** Xavier-uniform weights, zero biases. */
  public double[] init(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] th = new double[numParams()];
    if (hidden == 0) {
      double lim = Math.sqrt(6.0 / (inputs + 1));
      for (int i = 0; i < inputs; i++) {
        th[i] = r.nextDouble(-lim, lim);
      }
      return th;
    }
    double l1 = Math.sqrt(6.0 / (inputs + hidden));
    for (int i = 0; i < inputs * hidden; i++) {
      th[i] = r.nextDouble(-l1, l1);
    }
    double l2 = Math.sqrt(6.0 / (hidden + 1));
    int w2 = inputs * hidden + hidden;
    for (int j = 0; j < hidden; j++) {
      th[w2 + j] = r.nextDouble(-l2, l2);
    }
    return th;
  }

  private void check(double[] theta, TokenBatch batch) {
    if (theta.length != numParams()) {
      throw new IllegalArgumentException("GridMlp has " + numParams() + " parameters, θ has " + theta.length);
    }
    if (batch.seqLen() != inputs) {
      throw new IllegalArgumentException("GridMlp reads " + inputs + " inputs per example, batch has seqLen " + batch.seqLen());
    }
  }

  @Override
  public double[] predict(double[] theta, TokenBatch batch) {
    check(theta, batch);
    double[] out = new double[batch.batchSize()];
    double[] h = new double[hidden];
    double[] x = new double[inputs];
    for (int b = 0; b < batch.batchSize(); b++) {
      out[b] = forward(theta, batch, b, x, h);
    }
    return out;
  }

  private double forward(double[] th, TokenBatch batch, int b, double[] x, double[] h) {
    for (int i = 0; i < inputs; i++) {
      x[i] = decode(batch.ids()[b * inputs + i]);
    }
    if (hidden == 0) {
      double s = th[inputs];
      for (int i = 0; i < inputs; i++) {
        s += x[i] * th[i];
      }
      return s;
    }
    int b1 = inputs * hidden;
    int w2 = b1 + hidden;
    double s = th[w2 + hidden];
    for (int j = 0; j < hidden; j++) {
      double z = th[b1 + j];
      for (int i = 0; i < inputs; i++) {
        z += x[i] * th[i * hidden + j];
      }
      h[j] = Math.tanh(z);
      s += h[j] * th[w2 + j];
    }
    return s;
  }

  @Override
  public double loss(double[] theta, TokenBatch batch) {
    double[] p = predict(theta, batch);
    double s = 0;
    for (int b = 0; b < p.length; b++) {
      double d = p[b] - batch.targets()[b];
      s += d * d;
    }
    return s / p.length;
  }

  @Override
  public double lossAndGradient(double[] theta, TokenBatch batch, double[] grad) {
    check(theta, batch);
    java.util.Arrays.fill(grad, 0.0);
    int nb = batch.batchSize();
    double[] h = new double[hidden];
    double[] x = new double[inputs];
    double loss = 0;
    for (int b = 0; b < nb; b++) {
      double p = forward(theta, batch, b, x, h);
      double d = p - batch.targets()[b];
      loss += d * d;
      double dp = 2 * d / nb;
      if (hidden == 0) {
        for (int i = 0; i < inputs; i++) {
          grad[i] += dp * x[i];
        }
        grad[inputs] += dp;
        continue;
      }
      int b1 = inputs * hidden;
      int w2 = b1 + hidden;
      grad[w2 + hidden] += dp;
      for (int j = 0; j < hidden; j++) {
        grad[w2 + j] += dp * h[j];
        double dz = dp * theta[w2 + j] * (1 - h[j] * h[j]);
        grad[b1 + j] += dz;
        for (int i = 0; i < inputs; i++) {
          grad[i * hidden + j] += dz * x[i];
        }
      }
    }
    return loss / nb;
  }

  @Override
  public String toString() {
    return "GridMlp[" + inputs + " -> " + (hidden == 0 ? "linear" : hidden + " tanh") + " -> 1]";
  }
}
