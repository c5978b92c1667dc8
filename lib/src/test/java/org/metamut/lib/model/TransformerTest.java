package org.metamut.lib.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.metamut.lib.io.NamedParams;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.InputStream;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformerTest {

  static JsonNode ref;

  @BeforeAll
  static void loadReference() throws Exception {
    try (InputStream in = TransformerTest.class.getResourceAsStream("/maml-reference.json")) {
      ref = new ObjectMapper().readTree(in);
    }
  }

  static ModelSpec referenceSpec() {
    JsonNode c = ref.get("config");
    return ModelSpec.reference(c.get("layers").asInt(), c.get("d_model").asInt(), c.get("heads").asInt(), c.get("ff").asInt(),
        c.get("seq_len").asInt());
  }

  @Test
  void defaultSpecHasTheDocumentedParameterCount() {
    assertEquals(72_897, ModelSpec.reference().numParams());
    assertEquals(ref.get("param_order").size(), ParamLayout.of(referenceSpec()).tensors().size());
    for (int i = 0; i < ref.get("param_order").size(); i++) {
      assertEquals(ref.get("param_order").get(i).asText(), ParamLayout.of(referenceSpec()).tensors().get(i).name());
    }
  }

  @Test
  void reproducesTheReferencePredictionsAndFeaturesInDouble() {
    ModelSpec spec = referenceSpec();
    double[] theta = NamedParams.fromJson(ref, ParamLayout.of(spec), "maml-reference.json");
    JsonNode task = ref.get("tasks").get(0);
    TokenBatch batch = ReferenceBatches.of(task.get("support_ids"), task.get("support_y"));
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      double[] pred = m.predict(theta, batch);
      JsonNode want = ref.get("support0_pred");
      for (int b = 0; b < pred.length; b++) {
        assertEquals(want.get(b).asDouble(), pred[b], 1e-9 * Math.abs(want.get(b).asDouble()), "prediction " + b);
      }
      double[][] feats = m.features(theta, batch);
      JsonNode wf = ref.get("support0_features");
      double maxRel = 0;
      for (int b = 0; b < feats.length; b++) {
        for (int i = 0; i < feats[b].length; i++) {
          double w = wf.get(b).get(i).asDouble();
          maxRel = Math.max(maxRel, Math.abs(feats[b][i] - w) / Math.max(1e-12, Math.abs(w)));
        }
      }
      assertTrue(maxRel < 1e-9, "features max relative error " + maxRel);
    }
  }

  @Test
  void hostKernelsAndNd4jOpPathsAgree() {
    // the ND4J-op path is what non-CPU backends run; check it against the host kernels (and so against the reference)
    for (ModelSpec spec : new ModelSpec[] {ModelSpec.reference(2, 8, 2, 12, 6),
        ModelSpec.reference(1, 8, 2, 12, 6).withFlags(true).withPositional(ModelSpec.Positional.SINUSOIDAL)}) {
      double[] theta = perturbedInit(spec, 2);
      TokenBatch batch = randomBatch(spec, 3, 6, 4, true);
      double[] ga = new double[theta.length];
      double[] gb = new double[theta.length];
      try (Transformer host = new Transformer(spec, DataType.DOUBLE, true); Transformer ops = new Transformer(spec, DataType.DOUBLE, false)) {
        assertEquals(host.lossAndGradient(theta, batch, ga), ops.lossAndGradient(theta, batch, gb), 1e-12);
        for (int i = 0; i < ga.length; i++) {
          assertEquals(ga[i], gb[i], 1e-11 * (1 + Math.abs(ga[i])), spec.summary() + " parameter " + i);
        }
      }
      try (Transformer host = new Transformer(spec, DataType.FLOAT, true); Transformer ops = new Transformer(spec, DataType.FLOAT, false)) {
        assertEquals(host.lossAndGradient(theta, batch, ga), ops.lossAndGradient(theta, batch, gb), 1e-5);
        for (int i = 0; i < ga.length; i++) {
          assertEquals(ga[i], gb[i], 1e-5 * (1 + Math.abs(ga[i])), spec.summary() + " float parameter " + i);
        }
      }
    }
  }

  @Test
  void floatAgreesWithDouble() {
    ModelSpec spec = referenceSpec();
    double[] theta = NamedParams.fromJson(ref, ParamLayout.of(spec), "maml-reference.json");
    JsonNode task = ref.get("tasks").get(0);
    TokenBatch batch = ReferenceBatches.of(task.get("support_ids"), task.get("support_y"));
    double[] gd = new double[theta.length];
    double[] gf = new double[theta.length];
    try (Transformer md = new Transformer(spec, DataType.DOUBLE); Transformer mf = new Transformer(spec, DataType.FLOAT)) {
      double ld = md.lossAndGradient(theta, batch, gd);
      double lf = mf.lossAndGradient(theta, batch, gf);
      assertEquals(ld, lf, 1e-5 * Math.abs(ld));
      double num = 0;
      double den = 0;
      for (int i = 0; i < theta.length; i++) {
        num += (gd[i] - gf[i]) * (gd[i] - gf[i]);
        den += gd[i] * gd[i];
      }
      assertTrue(Math.sqrt(num / den) < 1e-4, "float vs double gradient relative error " + Math.sqrt(num / den));
    }
  }

  static TokenBatch randomBatch(ModelSpec spec, int b, int t, long seed, boolean withFlags) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] ids = new int[b * t];
    byte[] flags = withFlags ? new byte[b * t] : null;
    double[] y = new double[b];
    for (int i = 0; i < b; i++) {
      int len = 2 + rng.nextInt(t - 1); // 2..t real tokens, the rest padding
      for (int j = 0; j < len; j++) {
        ids[i * t + j] = 1 + rng.nextInt(spec.vocabSize() - 1);
        if (withFlags) {
          flags[i * t + j] = (byte) (rng.nextInt(3) == 0 ? 1 : 0);
        }
      }
      y[i] = rng.nextDouble(-1, 1);
    }
    return new TokenBatch(b, t, ids, flags, y);
  }

  static double[] perturbedInit(ModelSpec spec, long seed) {
    double[] theta = ParamLayout.of(spec).initialise(seed);
    SplittableRandom rng = new SplittableRandom(seed + 1);
    for (int i = 0; i < theta.length; i++) {
      theta[i] += 0.2 * (rng.nextDouble() - 0.5); // move biases and LayerNorm off 0/1 so every path is exercised
    }
    return theta;
  }

  static void checkGradients(ModelSpec spec, boolean withFlags) {
    ParamLayout layout = ParamLayout.of(spec);
    double[] theta = perturbedInit(spec, 7);
    TokenBatch batch = randomBatch(spec, 3, 6, 11, withFlags);
    double[] grad = new double[theta.length];
    SplittableRandom rng = new SplittableRandom(3);
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      m.lossAndGradient(theta, batch, grad);
      for (ParamLayout.Tensor t : layout.tensors()) {
        double worst = 0;
        for (int k = 0; k < Math.min(6, t.size()); k++) {
          int i = t.offset() + (t.size() <= 6 ? k : rng.nextInt(t.size()));
          if (t.name().equals("tok_emb") || t.name().equals("pos_emb")) {
            i = t.offset() + k * spec.dModel() + rng.nextInt(spec.dModel()); // rows of tokens/positions that occur
            if (t.name().equals("tok_emb")) {
              i = t.offset() + batch.ids()[k] * spec.dModel() + rng.nextInt(spec.dModel());
            }
          }
          double h = 1e-6;
          double saved = theta[i];
          theta[i] = saved + h;
          double lp = m.loss(theta, batch);
          theta[i] = saved - h;
          double lm = m.loss(theta, batch);
          theta[i] = saved;
          double numeric = (lp - lm) / (2 * h);
          // absolute floor: bk's gradient is exactly 0 (softmax shift invariance), its difference quotient ~1e-11 noise
          double err = Math.abs(numeric - grad[i]) / (1e-3 + Math.abs(numeric) + Math.abs(grad[i]));
          worst = Math.max(worst, err);
          assertTrue(err < 1e-6, spec.summary() + ": " + t.name() + " index " + (i - t.offset()) + " analytic " + grad[i]
              + " numeric " + numeric);
        }
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferencesForEveryParameterGroup() {
    checkGradients(ModelSpec.reference(2, 8, 2, 12, 6), false);
  }

  @Test
  void gradientsMatchFiniteDifferencesWithOptions() {
    checkGradients(ModelSpec.reference(1, 8, 2, 12, 6).withFlags(true), true);
    checkGradients(ModelSpec.reference(1, 8, 4, 12, 6).withPositional(ModelSpec.Positional.SINUSOIDAL)
        .withPooling(ModelSpec.Pooling.CLS), false);
  }

  @Test
  void paddingDoesNotChangePredictions() {
    ModelSpec spec = ModelSpec.reference(2, 16, 4, 32, 12);
    double[] theta = perturbedInit(spec, 5);
    TokenBatch shortBatch = randomBatch(spec, 4, 7, 9, false);
    // the same examples padded to 12 tokens, plus one all-padding example appended
    int[] ids = new int[5 * 12];
    for (int b = 0; b < 4; b++) {
      System.arraycopy(shortBatch.ids(), b * 7, ids, b * 12, 7);
    }
    TokenBatch longBatch = TokenBatch.of(5, 12, ids, new double[5]);
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      double[] a = m.predict(theta, shortBatch);
      double[] b = m.predict(theta, longBatch);
      for (int i = 0; i < 4; i++) {
        assertEquals(a[i], b[i], 1e-12 * Math.max(1, Math.abs(a[i])), "example " + i);
      }
      // each example alone (batch of one, no padding beyond its own) gives the same prediction
      for (int i = 0; i < 4; i++) {
        int[] one = new int[7];
        System.arraycopy(shortBatch.ids(), i * 7, one, 0, 7);
        assertEquals(a[i], m.predict(theta, TokenBatch.of(1, 7, one, null))[0], 1e-12 * Math.max(1, Math.abs(a[i])));
      }
    }
  }

  @Test
  void rejectsBadInputsNamingThem() {
    ModelSpec spec = ModelSpec.reference(1, 8, 2, 8, 4);
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      double[] theta = ParamLayout.of(spec).initialise(1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> m.predict(theta, TokenBatch.of(1, 5, new int[5], null)));
      assertTrue(e.getMessage().contains("maxLen 4"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> m.predict(theta, TokenBatch.of(1, 2, new int[] {3, 99}, null)));
      assertTrue(e.getMessage().contains("token id 99"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> m.predict(new double[3], TokenBatch.of(1, 2, new int[] {3, 4}, null)));
      assertTrue(e.getMessage().contains("length 3"), e.getMessage());
    }
  }

  @Test
  void initialisationIsDeterministicAndFollowsTheReference() {
    ModelSpec spec = ModelSpec.reference();
    ParamLayout layout = ParamLayout.of(spec);
    double[] a = layout.initialise(42);
    assertArrayEquals(a, layout.initialise(42));
    ParamLayout.Tensor g = layout.get("blocks.1.ln2.g");
    ParamLayout.Tensor wq = layout.get("blocks.0.attn.Wq");
    double bound = Math.sqrt(6.0 / (64 + 64));
    for (int i = 0; i < g.size(); i++) {
      assertEquals(1.0, a[g.offset() + i]);
    }
    for (int i = 0; i < wq.size(); i++) {
      assertTrue(Math.abs(a[wq.offset() + i]) <= bound);
    }
    assertEquals(0.0, a[layout.get("head.b").offset()]);
  }
}
