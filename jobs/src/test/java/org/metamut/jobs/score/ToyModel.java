package org.metamut.jobs.score;

import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.model.TokenBatch;

/**
 * A stand-in model for tests: prediction = Σ over non-padding tokens of θ[id] · (1 + t/100), plus θ[V]
 * (position-dependent, so the order of tokens matters). Exact in double precision.
 */
final class ToyModel implements FlatModel {
  static final int V = 26;

  @Override
  public int numParams() {
    return V + 1;
  }

  @Override
  public double[] predict(double[] theta, TokenBatch batch) {
    double[] out = new double[batch.batchSize()];
    for (int b = 0; b < batch.batchSize(); b++) {
      double s = theta[V];
      for (int t = 0; t < batch.seqLen(); t++) {
        int id = batch.ids()[b * batch.seqLen() + t];
        if (id != TokenBatch.PAD) {
          s += theta[id] * (1 + t / 100.0);
        }
      }
      out[b] = s;
    }
    return out;
  }

  @Override
  public double loss(double[] theta, TokenBatch batch) {
    double[] p = predict(theta, batch);
    double l = 0;
    for (int b = 0; b < p.length; b++) {
      l += (p[b] - batch.targets()[b]) * (p[b] - batch.targets()[b]);
    }
    return l / p.length;
  }

  @Override
  public double lossAndGradient(double[] theta, TokenBatch batch, double[] grad) {
    java.util.Arrays.fill(grad, 0);
    double[] p = predict(theta, batch);
    int n = batch.batchSize();
    for (int b = 0; b < n; b++) {
      double e = 2 * (p[b] - batch.targets()[b]) / n;
      grad[V] += e;
      for (int t = 0; t < batch.seqLen(); t++) {
        int id = batch.ids()[b * batch.seqLen() + t];
        if (id != TokenBatch.PAD) {
          grad[id] += e * (1 + t / 100.0);
        }
      }
    }
    return loss(theta, batch);
  }

  /** Serialisable factory for executors. */
  record Factory() implements ModelFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public FlatModel create() {
      return new ToyModel();
    }

    @Override
    public int numParams() {
      return V + 1;
    }

    @Override
    public double[] initialTheta(long seed) {
      return thetaD();
    }

    @Override
    public org.metamut.lib.model.ParamRange headRange() {
      return org.metamut.lib.model.ParamRange.trailing(V + 1, 1);
    }

    @Override
    public boolean float64() {
      return true;
    }

    @Override
    public String describe() {
      return "toy";
    }
  }

  static float[] theta() {
    float[] th = new float[V + 1];
    for (int i = 0; i < th.length; i++) {
      th[i] = (float) (0.25 * Math.sin(3.1 * i) + 0.01 * i); // exact in float; distinct per token
    }
    return th;
  }

  static double[] thetaD() {
    float[] f = theta();
    double[] d = new double[f.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
