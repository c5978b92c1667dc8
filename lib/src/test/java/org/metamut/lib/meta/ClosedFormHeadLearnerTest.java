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

  /** Also with the ranking term in the outer loss ({@code metamut.train.cf-head.rank-weight}). */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"false, false, 0", "true, false, 0", "true, false, 0.7", "true, true, 0"})
  void metaGradientMatchesFiniteDifferencesThroughFeaturesAndSolve(boolean substitution, boolean context,
                                                                  double rankWeight) {
    ModelSpec spec = SPEC.withSubstitutionFeatures(substitution).withSubstitutionContext(context);
    MetaLearner l = Methods.metaLearner("cf-head", InnerLoop.sgd(1, 0.01), ParamLayout.of(spec).headRange(),
        new Method.LearnerOptions(false, false, rankWeight));
    MetaTask task = new MetaTask(0, "t", batch(3, 6), batch(4, 5));
    double[] phi = l.initialMetaParams(perturbed(spec, 5));
    phi[phi.length - 2] = -0.7;
    phi[phi.length - 1] = 0.4;
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      TaskResult r = l.metaGradient(m, phi, task);
      SplittableRandom rnd = new SplittableRandom(6);
      double worst = 0;
      // both penalties, every head weight (the prior mean, meta-learned through the solve), random backbone entries
      List<Integer> idx = new ArrayList<>(List.of(phi.length - 1, phi.length - 2));
      org.metamut.lib.model.ParamRange head = ParamLayout.of(spec).headRange();
      for (int i = head.from(); i < head.to(); i++) {
        idx.add(i);
      }
      for (int trial = 0; trial < 23; trial++) {
        idx.add(rnd.nextInt(phi.length - 2));
      }
      if (context) {
        // the DMS table reaches the loss through a side feature: every entry the task's substitutions read
        ParamLayout.Tensor dms = ParamLayout.of(spec).get("sub.dms");
        int used = 0;
        for (int i = dms.offset(); i < dms.offset() + dms.size(); i++) {
          if (r.grad()[i] != 0) {
            idx.add(i);
            used++;
          }
        }
        assertTrue(used >= 3, "sub.dms entries with a gradient: " + used);
        idx.add(dms.offset()); // A -> A: never read, gradient 0
      }
      double headGradient = 0;
      for (int i : idx) {
        double h = 1e-5;
        double old = phi[i];
        phi[i] = old + h;
        double up = l.metaGradient(m, phi, task).postLoss();
        phi[i] = old - h;
        double down = l.metaGradient(m, phi, task).postLoss();
        phi[i] = old;
        double fd = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - r.grad()[i]) / Math.max(1e-3, Math.abs(fd)));
        if (head.contains(i)) {
          headGradient += Math.abs(r.grad()[i]);
        }
      }
      assertTrue(worst < 1e-4, "worst relative gradient error " + worst);
      assertTrue(headGradient > 1e-6, "the head's weights (the prior mean) get a gradient: " + headGradient);
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
      // prior mean w0 = θ's head weights: the ridge fit on the residuals z − F w0, plus F_q w0
      double[] w0 = headWeights(theta, spec, m.learnedFeatureDim());
      double[][] fs = m.features(theta, support);
      double[][] fq = m.features(theta, query);
      double[] fit = ClosedFormHead.fit(fs, minus(z, fs, w0), lp).predict(fq);
      double[] expected = new double[fit.length];
      for (int q = 0; q < fit.length; q++) {
        expected[q] = fit[q] + dotp(fq[q], w0);
      }
      expected = a.targets().inverse(expected);
      double[] zeroPrior = a.targets().inverse(ClosedFormHead.fit(fs, z, lp).predict(fq));
      assertTrue(Math.abs(zeroPrior[0] - expected[0]) > 1e-9, "the prior mean changes the prediction");
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
   * smallest — checked here by refitting without each support example in turn in the primal form (not by the head's
   * own LOO formula), with the head's convention that centring uses the whole support's means.
   */
  @Test
  void aTasksMetaGradientDoesNotDependOnTheTaskBeforeItOnItsThread() {
    // the learner's θ and gradient are per-thread work arrays (WorkArrays): a task of another model size before
    // leaves them dirty
    ModelSpec plain = SPEC;
    ModelSpec wider = SPEC.withSubstitutionFeatures(true);
    MetaLearner lp = Methods.metaLearner("cf-head", InnerLoop.sgd(1, 0.01), ParamLayout.of(plain).headRange(),
        Method.LearnerOptions.DEFAULTS);
    MetaLearner lw = Methods.metaLearner("cf-head", InnerLoop.sgd(1, 0.01), ParamLayout.of(wider).headRange(),
        Method.LearnerOptions.DEFAULTS);
    MetaTask task = new MetaTask(0, "t", batch(3, 6), batch(4, 5));
    MetaTask other = new MetaTask(1, "u", batch(7, 5), batch(8, 6));
    double[] phiPlain = lp.initialMetaParams(perturbed(plain, 5));
    double[] phiWider = lw.initialMetaParams(perturbed(wider, 6));
    try (Transformer mp = new Transformer(plain, DataType.DOUBLE);
         Transformer mw = new Transformer(wider, DataType.DOUBLE)) {
      double[] first = lp.metaGradient(mp, phiPlain, task).grad();
      double[] kept = first.clone();
      lw.metaGradient(mw, phiWider, other);
      lp.metaGradient(mp, phiPlain, other);
      assertArrayEquals(kept, first, 0.0, "the next tasks left the returned gradient alone");
      assertArrayEquals(first, lp.metaGradient(mp, phiPlain, task).grad(), 0.0);
    }
  }

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
      double[] w0 = headWeights(theta, spec, m.learnedFeatureDim());
      double[][] fq = m.features(theta, query);
      z = minus(z, fs, w0); // the head is fitted on the residuals from its prior mean (θ's head)
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
            double e = withoutOne(fs, z, out, lp) - z[out];
            sse += e * e;
          }
          if (sse < bestSse - 1e-12) {
            bestSse = sse;
            bestLp = lp;
          }
        }
      }
      double[] expected = plus(ClosedFormHead.fit(fs, z, bestLp).predict(fq), fq, w0);
      expected = a.targets().inverse(expected);
      assertArrayEquals(expected, a.predict(m, variants(query)), 1e-8);
      double[] learned = a.targets().inverse(plus(ClosedFormHead.fit(fs, z, base).predict(fq), fq, w0));
      assertTrue(!Arrays.equals(bestLp, base), "the brute-force choice moved a penalty, so the test can tell them apart");
      assertTrue(Math.abs(expected[0] - learned[0]) > 1e-9, "support-LOO and learned penalties predict differently");
    }
  }

  /** Primal ridge on every support row but {@code out}, features and labels centred by the whole support's means. */
  private static double withoutOne(double[][] x, double[] y, int out, double[] lp) {
    int d = lp.length;
    double[] mean = new double[d];
    double ym = Arrays.stream(y).average().orElseThrow();
    for (double[] row : x) {
      for (int j = 0; j < d; j++) {
        mean[j] += row[j] / x.length;
      }
    }
    double[][] a = new double[d][d];
    double[] b = new double[d];
    for (int i = 0; i < x.length; i++) {
      if (i == out) {
        continue;
      }
      for (int j = 0; j < d; j++) {
        double xj = x[i][j] - mean[j];
        b[j] += xj * (y[i] - ym);
        for (int l = 0; l < d; l++) {
          a[j][l] += xj * (x[i][l] - mean[l]);
        }
      }
    }
    for (int j = 0; j < d; j++) {
      a[j][j] += Math.exp(lp[j]);
    }
    double[] w = new org.apache.commons.math3.linear.LUDecomposition(
        new org.apache.commons.math3.linear.Array2DRowRealMatrix(a)).getSolver()
        .solve(new org.apache.commons.math3.linear.ArrayRealVector(b)).toArray();
    double p = ym;
    for (int j = 0; j < d; j++) {
      p += (x[out][j] - mean[j]) * w[j];
    }
    return p;
  }

  /** θ's head weights in feature order, read by hand: head.W, then head.Ws after the bias. */
  private static double[] headWeights(double[] theta, ModelSpec spec, int learned) {
    org.metamut.lib.model.ParamRange h = ParamLayout.of(spec).headRange();
    double[] w = new double[h.size() - 1];
    for (int j = 0; j < w.length; j++) {
      w[j] = theta[h.from() + (j < learned ? j : j + 1)];
    }
    return w;
  }

  private static double[] minus(double[] y, double[][] x, double[] w) {
    double[] r = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      r[i] = y[i] - dotp(x[i], w);
    }
    return r;
  }

  private static double[] plus(double[] p, double[][] x, double[] w) {
    double[] r = p.clone();
    for (int i = 0; i < r.length; i++) {
      r[i] += dotp(x[i], w);
    }
    return r;
  }

  private static double dotp(double[] a, double[] b) {
    double v = 0;
    for (int j = 0; j < a.length; j++) {
      v += a[j] * b[j];
    }
    return v;
  }

  private static List<EncodedVariant> variants(TokenBatch b) {
    List<EncodedVariant> out = new ArrayList<>();
    for (int i = 0; i < b.batchSize(); i++) {
      out.add(new EncodedVariant(Arrays.copyOfRange(b.ids(), i * b.seqLen(), (i + 1) * b.seqLen()), null));
    }
    return out;
  }

  @Test
  void theContextColumnsAndTheDmsTableGetTheirGradientThroughTheModelsOwnLoss() {
    ModelSpec spec = SPEC.withSubstitutionFeatures(true).withSubstitutionContext(true);
    TokenBatch b = batch(13, 5);
    double[] theta = perturbed(spec, 14);
    ParamLayout layout = ParamLayout.of(spec);
    List<Integer> idx = new ArrayList<>();
    ParamLayout.Tensor ws = layout.get("head.Ws");
    ParamLayout.Tensor dms = layout.get("sub.dms");
    assertEquals(org.metamut.lib.model.SubstitutionBlock.CONTEXT_SIZE, ws.size());
    assertEquals(dms.offset() + dms.size(), theta.length, "sub.dms is appended after every other tensor");
    try (Transformer m = new Transformer(spec, DataType.DOUBLE)) {
      double[] grad = new double[theta.length];
      m.lossAndGradient(theta, b, grad);
      for (int j = 0; j < ws.size(); j++) {
        idx.add(ws.offset() + j);
      }
      for (int i = dms.offset(); i < theta.length; i++) {
        if (grad[i] != 0 || i == dms.offset()) {
          idx.add(i);
        }
      }
      assertTrue(idx.size() >= ws.size() + 4, "sub.dms entries read by the batch get a gradient");
      assertLossGradientMatchesFiniteDifferences(m, theta, b, grad, idx);
      // the features carry the DMS score the table gives: θ's entry for each example's substitution
      double[][] f = m.features(theta, b);
      for (int e = 0; e < 5; e++) {
        int sep = -1;
        for (int t = 0; t < b.seqLen(); t++) {
          sep = b.ids()[e * b.seqLen() + t] == TokenBatch.SITE_MARKER ? t : sep;
        }
        int w = b.ids()[e * b.seqLen() + sep - 1] - 6;
        int mt = b.ids()[e * b.seqLen() + sep + 1] - 6;
        assertEquals(theta[dms.offset() + w * 20 + mt], f[e][spec.dModel() + org.metamut.lib.model.SubstitutionBlock.DMS_COLUMN],
            1e-12);
      }
    }
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
      List<Integer> idx = new ArrayList<>();
      for (int j = 0; j < ws.size(); j++) {
        idx.add(ws.offset() + j);
      }
      assertLossGradientMatchesFiniteDifferences(m, theta, b, grad, idx);
    }
  }

  /** The model's own loss gradient at each index in {@code idx} against a central difference (step 1e-6). */
  private static void assertLossGradientMatchesFiniteDifferences(Transformer m, double[] theta, TokenBatch b, double[] grad,
                                                                 List<Integer> idx) {
    for (int i : idx) {
      double old = theta[i];
      theta[i] = old + 1e-6;
      double up = m.loss(theta, b);
      theta[i] = old - 1e-6;
      double down = m.loss(theta, b);
      theta[i] = old;
      assertEquals((up - down) / 2e-6, grad[i], 1e-6, "θ[" + i + "]");
    }
  }
}
