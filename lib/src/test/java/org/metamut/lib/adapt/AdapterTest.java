package org.metamut.lib.adapt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.meta.InnerLoop;
import org.metamut.lib.meta.MetaGradientAggregator;
import org.metamut.lib.meta.MetaLearner;
import org.metamut.lib.meta.MetaTask;
import org.metamut.lib.meta.OuterStep;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.ParamRange;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.model.TransformerFactory;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.optim.Adam;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adaptation contract: a model adapts as its recipe says (ANIL moves exactly the head, even with a parameter
 * appended after it; Meta-SGD uses its learned rates), a model file round trip adapts bit-identically, chunked
 * supports equal one batch, and overrides are applied and recorded.
 */
class AdapterTest {
  private static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";
  private static final String AA = "ACDEFGHIKLMNPQRSTVWY";

  /** {@code n} random single mutants of WT (seeded) with a label that depends on the substitution. */
  private static List<List<Mutation>> variants(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<List<Mutation>> out = new ArrayList<>();
    while (out.size() < n) {
      int pos = 1 + r.nextInt(WT.length());
      char mt = AA.charAt(r.nextInt(AA.length()));
      if (mt != WT.charAt(pos - 1)) {
        out.add(List.of(new Mutation(pos, WT.charAt(pos - 1), mt)));
      }
    }
    return out;
  }

  private static double label(List<Mutation> v) {
    Mutation m = v.get(0);
    return AA.indexOf(m.mt()) * 0.3 - m.pos() * 0.1 + 5;
  }

  private static List<EncodedVariant> encode(EncoderSpec spec, List<List<Mutation>> vs) {
    Encoder e = Encoder.of(spec);
    return vs.stream().map(v -> e.encode(WT, v)).toList();
  }

  private static double[] labels(List<List<Mutation>> vs) {
    return vs.stream().mapToDouble(AdapterTest::label).toArray();
  }

  private static TokenBatch batch(EncoderSpec spec, List<List<Mutation>> vs) {
    double[] y = labels(vs);
    double mean = Arrays.stream(y).average().orElse(0);
    return EncodedVariant.toBatch(encode(spec, vs), Arrays.stream(y).map(v -> v - mean).toArray(), spec.maxTokens());
  }

  @Test
  void anilWithFlagsTrainsAndAdaptsExactlyTheHead() {
    ModelSpec spec = ModelSpec.reference(1, 8, 2, 16, 12).withFlags(true);
    EncoderSpec enc = new EncoderSpec(EncoderSpec.WT_MASK, 12);
    TransformerFactory f = new TransformerFactory(spec, true);
    ParamLayout layout = ParamLayout.of(spec);
    ParamRange head = layout.headRange();
    assertTrue(layout.get("flag_emb").offset() >= head.to(), "flag_emb sits after the head in the layout");
    MetaLearner anil = Methods.metaLearner("anil", InnerLoop.sgd(2, 0.05), f.headRange(), Method.LearnerOptions.DEFAULTS);
    assertEquals(AdaptationRecipe.Scope.HEAD, anil.recipe().scope());
    double[] phi = f.initialTheta(3);
    try (FlatModel model = f.create()) {
      Adam adam = new Adam(phi.length, 1e-3, 0.9, 0.999, 1e-8, 0);
      for (int step = 1; step <= 2; step++) {
        MetaGradientAggregator agg = MetaGradientAggregator.zero(phi.length, 2);
        for (int slot = 0; slot < 2; slot++) {
          List<List<Mutation>> vs = variants(16, step * 10L + slot);
          agg.add(anil.metaGradient(model, phi, new MetaTask(slot, "t" + slot, batch(enc, vs.subList(0, 8)),
              batch(enc, vs.subList(8, 16)))));
        }
        OuterStep.apply(step, agg, adam, 1.0, phi);
      }
      SavedModel saved = new SavedModel(spec, enc, Normalisation.none(), anil.recipe(), Map.of(), phi, null);
      List<List<Mutation>> support = variants(12, 99);
      AdaptedModel a = Adapter.of(saved).adapt(model, encode(enc, support), labels(support), 12);
      double[] moved = a.theta();
      for (int i = 0; i < phi.length; i++) {
        if (head.contains(i)) {
          assertNotEquals(phi[i], moved[i], "head parameter " + i + " must adapt");
        } else {
          assertEquals(phi[i], moved[i], 0.0, "parameter " + i + " outside the head must not move");
        }
      }
      assertTrue(a.lossAfter() < a.lossBefore(), a.lossBefore() + " -> " + a.lossAfter());
    }
  }

  @Test
  void metaSgdModelAdaptsWithItsLearnedRates(@TempDir Path dir) throws Exception {
    ModelSpec spec = ModelSpec.reference(1, 8, 2, 16, 12);
    EncoderSpec enc = EncoderSpec.separator(12);
    TransformerFactory f = new TransformerFactory(spec, true);
    MetaLearner sgd = Methods.metaLearner("fomaml", InnerLoop.sgd(3, 0.01).withLearnedRates(true), f.headRange(),
        Method.LearnerOptions.DEFAULTS);
    double[] theta = f.initialTheta(5);
    double[] phi = sgd.initialMetaParams(theta);
    SplittableRandom r = new SplittableRandom(1);
    for (int i = theta.length; i < phi.length; i++) {
      phi[i] = 0.001 + 0.05 * r.nextDouble(); // as if meta-learned: far from the scalar 0.01
    }
    double[] rates = sgd.learnedRates(phi, theta.length);
    SavedModel saved = new SavedModel(spec, enc, Normalisation.none(), sgd.recipe(), Map.of(), theta, rates);
    Path file = dir.resolve("meta-sgd.mmut");
    java.nio.file.Files.write(file, ModelFile.toBytes(saved));
    SavedModel back = ModelFile.read(file);
    assertTrue(back.recipe().learnedRates());
    List<List<Mutation>> support = variants(10, 7);
    try (FlatModel model = f.create()) {
      AdaptedModel viaFile = Adapter.of(back).adapt(model, encode(enc, support), labels(support), 12);
      // The same steps by hand with the learned per-parameter rates.
      TokenBatch b = EncodedVariant.toBatch(encode(enc, support),
          org.metamut.lib.baseline.Standardizer.fit(labels(support)).transform(labels(support)), 12);
      double[] expected = theta.clone();
      double[] g = new double[theta.length];
      for (int k = 0; k < 3; k++) {
        model.lossAndGradient(expected, b, g);
        for (int i = 0; i < expected.length; i++) {
          expected[i] -= rates[i] * g[i];
        }
      }
      assertArrayEquals(expected, viaFile.theta());
      // ... and it is what meta-training's inner loop computes for the same φ.
      assertArrayEquals(sgd.adapt(model, phi, b, 3), viaFile.theta());
      AdaptedModel scalar = Adapter.of(back).override(0, 0.01).adapt(model, encode(enc, support), labels(support), 12);
      assertNotEquals(Arrays.toString(scalar.theta()), Arrays.toString(viaFile.theta()));
      assertTrue(scalar.recipe().overrides().get(0).contains("learned per-parameter rates"), scalar.recipe().describe());
    }
  }

  @Test
  void fileRoundTripAndChunkingAdaptIdentically(@TempDir Path dir) throws Exception {
    ModelSpec spec = ModelSpec.reference(1, 8, 2, 16, 12);
    EncoderSpec enc = EncoderSpec.separator(12);
    TransformerFactory f = new TransformerFactory(spec, true);
    SavedModel saved = new SavedModel(spec, enc, Normalisation.none(), AdaptationRecipe.fineTune("finetune", 2, 0.02),
        Map.of(), f.initialTheta(11), null);
    Path file = dir.resolve("m.mmut");
    java.nio.file.Files.write(file, ModelFile.toBytes(saved));
    List<List<Mutation>> support = variants(Adapter.CHUNK + 44, 3); // two chunks
    List<List<Mutation>> query = variants(30, 4);
    try (FlatModel model = f.create()) {
      AdaptedModel a = Adapter.of(saved).adapt(model, encode(enc, support), labels(support), 12);
      AdaptedModel b = Adapter.of(ModelFile.read(file)).adapt(model, encode(enc, support), labels(support), 12);
      assertArrayEquals(a.theta(), b.theta());
      assertArrayEquals(a.predict(model, encode(enc, query)), b.predict(model, encode(enc, query)));
      // Two chunks give the gradient of the whole set: compare with one big batch by hand.
      double[] z = org.metamut.lib.baseline.Standardizer.fit(labels(support)).transform(labels(support));
      TokenBatch whole = EncodedVariant.toBatch(encode(enc, support), z, 12);
      double[] rates = saved.recipe().rates(saved.theta().length, f.headRange(), null);
      double[] one = SgdAdaptation.run(model, saved.theta(), rates, List.of(whole), 2).theta();
      assertArrayEquals(one, a.theta(), 1e-12);
    }
  }

  @Test
  void overridesAreAppliedAndRecordedAndDivergenceFallsBackToTheMean() {
    ModelSpec spec = ModelSpec.reference(1, 8, 2, 16, 12);
    EncoderSpec enc = EncoderSpec.separator(12);
    TransformerFactory f = new TransformerFactory(spec, true);
    SavedModel saved = new SavedModel(spec, enc, Normalisation.none(), AdaptationRecipe.fineTune("maml", 1, 0.01),
        Map.of(), f.initialTheta(2), null);
    Adapter over = Adapter.of(saved).override(4, 0);
    assertEquals(4, over.recipe().steps());
    assertEquals(List.of("steps 4 (model: 1)"), over.recipe().overrides());
    assertEquals(Adapter.of(saved).recipe(), Adapter.of(saved).override(0, 0).recipe());
    List<List<Mutation>> support = variants(8, 5);
    try (FlatModel model = f.create()) {
      AdaptedModel blown = Adapter.of(saved).override(50, 1e6).adapt(model, encode(enc, support), labels(support), 12);
      assertTrue(blown.diverged());
      double mean = Arrays.stream(labels(support)).average().orElseThrow();
      for (double p : blown.predict(model, encode(enc, variants(5, 6)))) {
        assertEquals(mean, p, 1e-12);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> new Adapter(saved.theta(), null,
        new AdaptationRecipe("x", AdaptationRecipe.Scope.ALL, 1, 0.1, true, AdaptationRecipe.TargetNormalisation.SUPPORT_ZSCORE,
            List.of()), f.headRange()));
  }
}
