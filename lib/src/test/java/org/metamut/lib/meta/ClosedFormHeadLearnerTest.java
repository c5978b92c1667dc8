package org.metamut.lib.meta;

import org.junit.jupiter.api.Test;
import org.metamut.lib.adapt.AdaptationRecipe;
import org.metamut.lib.adapt.AdaptedModel;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.head.ClosedFormHead;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.Methods;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.model.Transformer;
import org.metamut.lib.model.TransformerFactory;
import org.metamut.lib.mutation.Mutation;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The closed-form head learner on the real transformer (float64, site pooling): site pooling reads the separator
 * tokens, the feature vector-Jacobian product and the whole meta-gradient (features → solve → query loss → back into
 * the backbone and the log-penalty) match central finite differences, and adaptation writes the exact ridge solution
 * into the head.
 */
class ClosedFormHeadLearnerTest {
  private static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";
  private static final String AA = "ACDEFGHIKLMNPQRSTVWY";
  private static final ModelSpec SPEC = ModelSpec.reference(1, 8, 2, 16, 12).withPooling(ModelSpec.Pooling.SITES);
  private static final EncoderSpec ENC = EncoderSpec.separator(12);

  private static TokenBatch batch(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    Encoder e = Encoder.of(ENC);
    List<EncodedVariant> vs = new ArrayList<>();
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      int pos = 1 + r.nextInt(WT.length());
      char mt = AA.charAt(r.nextInt(AA.length()));
      if (mt == WT.charAt(pos - 1)) {
        mt = mt == 'A' ? 'C' : 'A';
      }
      vs.add(e.encode(WT, List.of(new Mutation(pos, WT.charAt(pos - 1), mt))));
      y[i] = AA.indexOf(mt) * 0.1 - 1 + 0.2 * r.nextGaussian();
    }
    return EncodedVariant.toBatch(vs, y, 12);
  }

  private static double[] perturbed(long seed) {
    return perturbed(SPEC, seed);
  }

  private static double[] perturbed(ModelSpec spec, long seed) {
    double[] theta = ParamLayout.of(spec).initialise(seed);
    SplittableRandom r = new SplittableRandom(seed + 1);
    for (int i = 0; i < theta.length; i++) {
      theta[i] += 0.05 * r.nextGaussian(); // break the symmetric initialisation (LayerNorm g = 1, biases 0)
    }
    return theta;
  }

  @Test
  void sitePoolingReadsTheSeparatorToken() {
    TokenBatch b = batch(1, 3);
    double[] theta = perturbed(2);
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE);
         Transformer mean = new Transformer(SPEC.withPooling(ModelSpec.Pooling.MEAN), DataType.DOUBLE)) {
      double[][] sites = m.features(theta, b);
      double[][] pooled = mean.features(theta, b);
      assertNotEquals(Arrays.toString(sites[0]), Arrays.toString(pooled[0]));
      // one site: the feature is the state at the single separator token; a second separator doubles nothing else
      int sepCount = 0;
      for (int t = 0; t < b.seqLen(); t++) {
        sepCount += b.ids()[t] == TokenBatch.SITE_MARKER ? 1 : 0;
      }
      assertEquals(1, sepCount);
    }
    assertEquals(org.metamut.lib.encode.Vocabulary.SEP, TokenBatch.SITE_MARKER);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void metaGradientMatchesFiniteDifferencesThroughFeaturesAndSolve(boolean substitution) {
    ModelSpec spec = SPEC.withSubstitutionFeatures(substitution);
    MetaLearner l = Methods.metaLearner("cf-head", InnerLoop.sgd(1, 0.01), ParamLayout.of(spec).headRange(),
        Method.LearnerOptions.DEFAULTS);
    MetaTask task = new MetaTask(0, "t", batch(3, 6), batch(4, 5));
    double[] phi = l.initialMetaParams(perturbed(spec, 5));
    phi[phi.length - 2] = -0.7;
    phi[phi.length - 1] = 0.4;
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      TaskResult r = l.metaGradient(m, phi, task);
      SplittableRandom rnd = new SplittableRandom(6);
      double worst = 0;
      for (int trial = 0; trial < 25; trial++) {
        int i = trial < 2 ? phi.length - 1 - trial : rnd.nextInt(phi.length - 2);
        double h = 1e-5;
        double old = phi[i];
        phi[i] = old + h;
        double up = l.metaGradient(m, phi, task).postLoss();
        phi[i] = old - h;
        double down = l.metaGradient(m, phi, task).postLoss();
        phi[i] = old;
        double fd = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - r.grad()[i]) / Math.max(1e-3, Math.abs(fd)));
      }
      assertTrue(worst < 1e-4, "worst relative gradient error " + worst);
      assertTrue(r.postLoss() < r.preLoss() * 10, "finite losses " + r.preLoss() + " " + r.postLoss());
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void adaptationWritesTheExactRidgeSolutionIntoTheHead(boolean substitution) {
    ModelSpec spec = SPEC.withSubstitutionFeatures(substitution);
    ClosedFormHeadLearner l = (ClosedFormHeadLearner) Methods.metaLearner("cf-head", InnerLoop.sgd(1, 0.01),
        ParamLayout.of(spec).headRange(), Method.LearnerOptions.DEFAULTS);
    double[] theta = perturbed(spec, 7);
    double[] phi = l.initialMetaParams(theta);
    phi[theta.length] = 0.3;
    phi[theta.length + 1] = -1.1;
    AdaptationRecipe recipe = l.recipe(phi, theta.length);
    assertEquals(AdaptationRecipe.Solver.CLOSED_FORM, recipe.solver());
    assertEquals(0.3, recipe.headLogPenalty());
    assertEquals(-1.1, recipe.sideLogPenalty());
    SavedModel saved = new SavedModel(spec, ENC, Normalisation.none(), recipe, Map.of(), theta, null);
    TokenBatch support = batch(8, 10);
    TokenBatch query = batch(9, 7);
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      List<EncodedVariant> sv = new ArrayList<>();
      for (int i = 0; i < support.batchSize(); i++) {
        sv.add(new EncodedVariant(Arrays.copyOfRange(support.ids(), i * 12, i * 12 + 12), null));
      }
      List<EncodedVariant> qv = new ArrayList<>();
      for (int i = 0; i < query.batchSize(); i++) {
        qv.add(new EncodedVariant(Arrays.copyOfRange(query.ids(), i * 12, i * 12 + 12), null));
      }
      AdaptedModel a = Adapter.of(saved).adapt(m, sv, support.targets(), 12);
      // the same prediction straight from the head maths on the support z-scores
      double[] z = a.targets().transform(support.targets());
      double[] lp = org.metamut.lib.adapt.ClosedFormAdaptation.logPenalties(m, 0.3, -1.1);
      double[] expected = a.targets().inverse(ClosedFormHead.fit(m.features(theta, support), z, lp).predict(m.features(theta, query)));
      assertArrayEquals(expected, a.predict(m, qv), 1e-9);
      // the adapted θ' predicts it by itself (the head's layout is the one the solver writes)
      assertArrayEquals(expected, a.targets().inverse(m.predict(a.theta(), query)), 1e-9);
      // only the head moved
      ParamLayout layout = ParamLayout.of(spec);
      for (int i = 0; i < theta.length; i++) {
        if (!layout.headRange().contains(i)) {
          assertEquals(theta[i], a.theta()[i], 0.0);
        }
      }
      assertTrue(a.lossAfter() < a.lossBefore(), a.lossBefore() + " -> " + a.lossAfter());
    }
    assertTrue(new TransformerFactory(spec, true).create() instanceof org.metamut.lib.model.FeatureModel);
  }

  /**
   * Support-LOO penalties: the adapter must pick, per block, the scale whose leave-one-out error on the support is
   * smallest — checked here by refitting without each support example in turn (not by the head's own LOO formula).
   */
  @Test
  void supportLooPenaltiesAreTheBruteForceLeaveOneOutChoice() {
    ModelSpec spec = SPEC.withSubstitutionFeatures(true);
    ClosedFormHeadLearner l = (ClosedFormHeadLearner) Methods.metaLearner("cf-head", InnerLoop.sgd(1, 0.01),
        ParamLayout.of(spec).headRange(), Method.LearnerOptions.DEFAULTS);
    double[] theta = perturbed(spec, 5);
    double[] phi = l.initialMetaParams(theta);
    phi[theta.length] = 2.0;
    phi[theta.length + 1] = -2.0;
    AdaptationRecipe recipe = l.recipe(phi, theta.length).withPenalties(AdaptationRecipe.PenaltyChoice.SUPPORT_LOO, "");
    SavedModel saved = new SavedModel(spec, ENC, Normalisation.none(), recipe, Map.of(), theta, null);
    TokenBatch support = batch(10, 21);
    TokenBatch query = batch(6, 22);
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      AdaptedModel a = Adapter.of(saved).adapt(m, variants(support), support.targets(), support.seqLen());
      double[] z = a.targets().transform(support.targets());
      double[][] fs = m.features(theta, support);
      double[] base = org.metamut.lib.adapt.ClosedFormAdaptation.logPenalties(m, 2.0, -2.0);
      double bestSse = Double.POSITIVE_INFINITY;
      double[] bestLp = null;
      for (double sHead : AdaptationRecipe.PenaltyChoice.LOO_LOG_SCALES) {
        for (double sSide : AdaptationRecipe.PenaltyChoice.LOO_LOG_SCALES) {
          double[] lp = base.clone();
          for (int j = 0; j < lp.length; j++) {
            lp[j] += j < m.learnedFeatureDim() ? sHead : sSide;
          }
          double sse = 0;
          for (int out = 0; out < z.length; out++) {
            double[][] xs = new double[z.length - 1][];
            double[] ys = new double[z.length - 1];
            for (int i = 0, r = 0; i < z.length; i++) {
              if (i != out) {
                xs[r] = fs[i];
                ys[r++] = z[i];
              }
            }
            double e = ClosedFormHead.fit(xs, ys, lp).predict(new double[][] {fs[out]})[0] - z[out];
            sse += e * e;
          }
          if (sse < bestSse - 1e-12) {
            bestSse = sse;
            bestLp = lp;
          }
        }
      }
      double[] expected = a.targets().inverse(ClosedFormHead.fit(fs, z, bestLp).predict(m.features(theta, query)));
      assertArrayEquals(expected, a.predict(m, variants(query)), 1e-8);
      double[] learned = a.targets().inverse(ClosedFormHead.fit(fs, z, base).predict(m.features(theta, query)));
      assertTrue(!Arrays.equals(bestLp, base), "the brute-force choice moved a penalty, so the test can tell them apart");
      assertTrue(Math.abs(expected[0] - learned[0]) > 1e-9, "support-LOO and learned penalties predict differently");
    }
  }

  private static List<EncodedVariant> variants(TokenBatch b) {
    List<EncodedVariant> out = new ArrayList<>();
    for (int i = 0; i < b.batchSize(); i++) {
      out.add(new EncodedVariant(Arrays.copyOfRange(b.ids(), i * b.seqLen(), (i + 1) * b.seqLen()), null));
    }
    return out;
  }

  @Test
  void theSubstitutionBlockIsReadFromTheTokensAndItsWeightsGetTheirGradient() {
    ModelSpec spec = SPEC.withSubstitutionFeatures(true);
    TokenBatch b = batch(11, 4);
    double[] block = new double[org.metamut.lib.model.SubstitutionBlock.SIZE];
    org.metamut.lib.model.SubstitutionBlock.of(b, 0, block, 0);
    // the first example's substitution by hand (the token after the separator is the mutant residue)
    int sep = -1;
    for (int t = 0; t < 12; t++) {
      sep = b.ids()[t] == TokenBatch.SITE_MARKER ? t : sep;
    }
    char wt = AA.charAt(b.ids()[sep - 1] - 6);
    char mt = AA.charAt(b.ids()[sep + 1] - 6);
    assertEquals(org.metamut.lib.baseline.Blosum62.score(wt, mt) / 4.0, block[0], 1e-12);
    assertEquals(1.0, block[7], 1e-12);
    double[] theta = perturbed(spec, 12);
    ParamLayout.Tensor ws = ParamLayout.of(spec).get("head.Ws");
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      double[] grad = new double[theta.length];
      m.lossAndGradient(theta, b, grad);
      for (int j = 0; j < ws.size(); j++) {
        int i = ws.offset() + j;
        double old = theta[i];
        theta[i] = old + 1e-6;
        double up = m.loss(theta, b);
        theta[i] = old - 1e-6;
        double down = m.loss(theta, b);
        theta[i] = old;
        assertEquals((up - down) / 2e-6, grad[i], 1e-6, "head.Ws[" + j + "]");
      }
    }
  }
}
