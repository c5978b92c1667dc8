package org.metamut.lib.model;

import org.junit.jupiter.api.Test;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.mutation.Mutation;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model can learn: an additive landscape (value = sum of per-site effects) is fitted far below its variance. */
class FitTest {

  @Test
  void fitsAnAdditiveLandscape() {
    SplittableRandom rng = new SplittableRandom(1);
    String aa = Mutation.AMINO_ACIDS;
    StringBuilder wt = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      wt.append(aa.charAt(rng.nextInt(20)));
    }
    int[] sites = {3, 7, 11, 15, 19};
    double[][] effect = new double[sites.length][20];
    for (double[] e : effect) {
      for (int j = 0; j < 20; j++) {
        e[j] = rng.nextGaussian();
      }
    }
    Encoder enc = Encoder.of(EncoderSpec.separator(32));
    List<EncodedVariant> vs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int n = 0; n < 64; n++) {
      List<Mutation> muts = new ArrayList<>();
      double y = 0;
      int k = 1 + rng.nextInt(2);
      int first = rng.nextInt(sites.length);
      for (int s = 0; s < k; s++) {
        int si = (first + 2 * s) % sites.length;
        int mt = rng.nextInt(20);
        muts.add(new Mutation(sites[si], wt.charAt(sites[si] - 1), aa.charAt(mt)));
        y += effect[si][mt];
      }
      vs.add(enc.encode(wt.toString(), muts));
      ys.add(y);
    }
    double[] y = ys.stream().mapToDouble(Double::doubleValue).toArray();
    double mean = java.util.Arrays.stream(y).average().orElse(0);
    double var = java.util.Arrays.stream(y).map(v -> (v - mean) * (v - mean)).average().orElse(0);
    TokenBatch batch = EncodedVariant.toBatch(vs, y, 0);

    ModelSpec spec = ModelSpec.reference(1, 32, 2, 64, 32);
    double[] theta = ParamLayout.of(spec).initialise(3);
    double[] grad = new double[theta.length];
    double[] m = new double[theta.length];
    double[] v = new double[theta.length];
    double loss = Double.NaN;
    try (Transformer model = new Transformer(spec, DataType.FLOAT)) {
      double initial = model.loss(theta, batch);
      for (int step = 1; step <= 400; step++) {
        loss = model.lossAndGradient(theta, batch, grad);
        // Adam, lr 3e-3
        double b1 = 0.9;
        double b2 = 0.999;
        for (int i = 0; i < theta.length; i++) {
          m[i] = b1 * m[i] + (1 - b1) * grad[i];
          v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
          double mh = m[i] / (1 - Math.pow(b1, step));
          double vh = v[i] / (1 - Math.pow(b2, step));
          theta[i] -= 3e-3 * mh / (Math.sqrt(vh) + 1e-8);
        }
      }
      loss = model.loss(theta, batch);
      assertTrue(loss < 0.05 * var, "training MSE " + loss + " should be far below the target variance " + var
          + " (initial " + initial + ")");
    }
  }
}
