package org.metamut.lib.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rotary positions ({@link ModelSpec.Positional#ROTARY}): the rotation against a direct per-position 2×2 rotation
 * written here, the half-precision frequencies against known binary16 values, the model's gradient against central
 * finite differences in double (both the host-kernel and the ND4J-op path), and the two paths against each other.
 */
class RotaryTest {

  private static final ModelSpec SPEC = ModelSpec.reference(2, 8, 2, 12, 8).withPositional(ModelSpec.Positional.ROTARY);

  @Test
  void rotationMatchesADirectPerPositionRotation() {
    int t = 5;
    int half = 3;
    int dh = 2 * half;
    ModelSpec spec = ModelSpec.reference(1, 2 * dh, 2, 4, t).withPositional(ModelSpec.Positional.ROTARY);
    double[] cos = Rotary.cosTable(spec);
    double[] sin = Rotary.sinTable(spec);
    SplittableRandom rng = new SplittableRandom(1);
    int rows = 2 * t; // two heads' vectors, positions 0..t-1 each
    double[] x = new double[rows * dh];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextDouble(-1, 1);
    }
    double[] y = x.clone();
    Rotary.apply(y, 0, rows, t, half, cos, sin, 1.0);
    for (int r = 0; r < rows; r++) {
      int pos = r % t;
      for (int j = 0; j < half; j++) {
        double angle = pos / Math.pow(10000.0, 2.0 * j / dh); // the definition, in double
        double a = x[r * dh + j];
        double b = x[r * dh + j + half];
        // the rotation of the plane (x_j, x_{j+D/2}) by the angle
        assertEquals(a * Math.cos(angle) - b * Math.sin(angle), y[r * dh + j], 1e-6, "row " + r + " j " + j);
        assertEquals(b * Math.cos(angle) + a * Math.sin(angle), y[r * dh + j + half], 1e-6, "row " + r + " j " + j);
      }
    }
    // the transposed rotation undoes it
    Rotary.apply(y, 0, rows, t, half, cos, sin, -1.0);
    for (int i = 0; i < x.length; i++) {
      assertEquals(x[i], y[i], 1e-14);
    }
  }

  @Test
  void halfPrecisionFrequenciesAreTheBinary16Values() {
    float[] f = Rotary.invFreq(ModelSpec.Positional.ROTARY_FP16, 8);
    // 1, 0.1, 0.01, 0.001 as IEEE binary16 (what torch's .half() gives)
    assertEquals(1.0f, f[0]);
    assertEquals(0.0999755859375f, f[1]);
    assertEquals(0.01000213623046875f, f[2]);
    assertEquals(0.0010004043579101562f, f[3]);
    float[] g = Rotary.invFreq(ModelSpec.Positional.ROTARY, 8);
    assertEquals(0.1f, g[1]);
    assertEquals(0.001f, g[3], 1e-10f);
    assertThrows(IllegalArgumentException.class, () -> Rotary.invFreq(ModelSpec.Positional.LEARNED, 8));
    assertThrows(IllegalArgumentException.class, () -> ModelSpec.reference(1, 6, 2, 4, 4)
        .withPositional(ModelSpec.Positional.ROTARY)); // head size 3 is odd
  }

  @Test
  void rotaryHasNoPositionTensorAndSeesOrder() {
    ParamLayout layout = ParamLayout.of(SPEC);
    assertTrue(!layout.has("pos_emb"));
    assertEquals(ParamLayout.count(SPEC), layout.numParams());
    double[] theta = TransformerTest.perturbedInit(SPEC, 3);
    int[] ids = {2, 7, 8, 9, 10, 3};
    int[] swapped = {2, 8, 7, 9, 10, 3};
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      double a = m.predict(theta, TokenBatch.of(1, 6, ids, null))[0];
      double b = m.predict(theta, TokenBatch.of(1, 6, swapped, null))[0];
      assertNotEquals(a, b, 1e-9, "rotary positions must make the model order-sensitive");
    }
  }

  @Test
  void gradientsMatchFiniteDifferencesWithRotary() {
    TransformerTest.checkGradients(SPEC, false);
    TransformerTest.checkGradients(ModelSpec.reference(1, 8, 2, 12, 6).withPositional(ModelSpec.Positional.ROTARY_FP16)
        .withPooling(ModelSpec.Pooling.CLS), false);
  }

  @Test
  void ndOpPathGradientMatchesFiniteDifferences() {
    double[] theta = TransformerTest.perturbedInit(SPEC, 7);
    TokenBatch batch = TransformerTest.randomBatch(SPEC, 3, 6, 11, false);
    double[] grad = new double[theta.length];
    SplittableRandom rng = new SplittableRandom(5);
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE, false)) {
      m.lossAndGradient(theta, batch, grad);
      for (String name : new String[] {"blocks.0.attn.Wq", "blocks.0.attn.bq", "blocks.1.attn.Wk", "blocks.0.ln1.g",
          "tok_emb"}) {
        ParamLayout.Tensor t = ParamLayout.of(SPEC).get(name);
        for (int k = 0; k < 5; k++) {
          int i = t.offset() + (name.equals("tok_emb") ? batch.ids()[k] * SPEC.dModel() + rng.nextInt(SPEC.dModel())
              : rng.nextInt(t.size()));
          double h = 1e-6;
          double saved = theta[i];
          theta[i] = saved + h;
          double lp = m.loss(theta, batch);
          theta[i] = saved - h;
          double lm = m.loss(theta, batch);
          theta[i] = saved;
          double numeric = (lp - lm) / (2 * h);
          double err = Math.abs(numeric - grad[i]) / (1e-3 + Math.abs(numeric) + Math.abs(grad[i]));
          assertTrue(err < 1e-6, name + " index " + (i - t.offset()) + " analytic " + grad[i] + " numeric " + numeric);
        }
      }
    }
  }

  @Test
  void hostKernelsAndNd4jOpPathsAgreeWithRotary() {
    for (ModelSpec spec : new ModelSpec[] {SPEC, SPEC.withPositional(ModelSpec.Positional.ROTARY_FP16).withFlags(true)}) {
      double[] theta = TransformerTest.perturbedInit(spec, 2);
      TokenBatch batch = TransformerTest.randomBatch(spec, 3, 7, 4, true);
      double[] ga = new double[theta.length];
      double[] gb = new double[theta.length];
      try (Transformer host = new Transformer(spec, DataType.DOUBLE, true);
           Transformer ops = new Transformer(spec, DataType.DOUBLE, false)) {
        assertEquals(host.lossAndGradient(theta, batch, ga), ops.lossAndGradient(theta, batch, gb), 1e-12);
        for (int i = 0; i < ga.length; i++) {
          assertEquals(ga[i], gb[i], 1e-11 * (1 + Math.abs(ga[i])), spec.summary() + " parameter " + i);
        }
      }
      try (Transformer host = new Transformer(spec, DataType.FLOAT, true);
           Transformer ops = new Transformer(spec, DataType.FLOAT, false)) {
        assertEquals(host.lossAndGradient(theta, batch, ga), ops.lossAndGradient(theta, batch, gb), 1e-5);
        for (int i = 0; i < ga.length; i++) {
          assertEquals(ga[i], gb[i], 1e-5 * (1 + Math.abs(ga[i])), spec.summary() + " float parameter " + i);
        }
      }
    }
  }

  @Test
  void paddingDoesNotChangeRotaryPredictions() {
    double[] theta = TransformerTest.perturbedInit(SPEC, 5);
    TokenBatch shortBatch = TransformerTest.randomBatch(SPEC, 3, 5, 9, false);
    int[] ids = new int[3 * 8];
    for (int b = 0; b < 3; b++) {
      System.arraycopy(shortBatch.ids(), b * 5, ids, b * 8, 5);
    }
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      double[] a = m.predict(theta, shortBatch);
      double[] b = m.predict(theta, TokenBatch.of(3, 8, ids, null));
      for (int i = 0; i < 3; i++) {
        assertEquals(a[i], b[i], 1e-12 * Math.max(1, Math.abs(a[i])), "example " + i);
      }
    }
  }
}
