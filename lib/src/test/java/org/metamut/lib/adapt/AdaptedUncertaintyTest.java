package org.metamut.lib.adapt;

import org.junit.jupiter.api.Test;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.head.ClosedFormHead;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.metrics.Calibration;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.Transformer;
import org.metamut.lib.mutation.Mutation;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The predictive SD of an adapted closed-form-head model: the head posterior's SD of the query features in label
 * units (independent recomputation), scale-equivariant in the labels, calibrated when the labels really are linear
 * in the model's features; an SGD-adapted model has none.
 */
class AdaptedUncertaintyTest {
  private static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";
  private static final String AA = Mutation.AMINO_ACIDS;
  static final ModelSpec SPEC = ModelSpec.reference(1, 8, 2, 16, 12).withPooling(ModelSpec.Pooling.SITES);
  static final EncoderSpec ENC = EncoderSpec.separator(12);

  /** A model's θ with its symmetric initialisation broken (a test model of {@link #SPEC}). */
  static double[] theta(long seed) {
    double[] theta = ParamLayout.of(SPEC).initialise(seed);
    SplittableRandom r = new SplittableRandom(seed + 1);
    for (int i = 0; i < theta.length; i++) {
      theta[i] += 0.05 * r.nextGaussian(); // break the symmetric initialisation
    }
    return theta;
  }

  private static List<EncodedVariant> singles(Random r) {
    Encoder e = Encoder.of(ENC);
    List<EncodedVariant> out = new ArrayList<>();
    for (int pos = 1; pos <= WT.length(); pos++) {
      for (char mt : AA.toCharArray()) {
        if (mt != WT.charAt(pos - 1)) {
          out.add(e.encode(WT, List.of(new Mutation(pos, WT.charAt(pos - 1), mt))));
        }
      }
    }
    Collections.shuffle(out, r);
    return out;
  }

  private static SavedModel model(AdaptationRecipe recipe, double[] theta) {
    return new SavedModel(SPEC, ENC, Normalisation.none(), recipe, Map.of(), theta, null);
  }

  @Test
  void sdIsTheHeadPosteriorInLabelUnits() {
    double[] theta = theta(3);
    List<EncodedVariant> vs = singles(new Random(1));
    List<EncodedVariant> support = vs.subList(0, 20);
    List<EncodedVariant> query = vs.subList(20, 40);
    double[] y = new double[20];
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < y.length; i++) {
      y[i] = 50 + 10 * r.nextGaussian();
    }
    SavedModel saved = model(AdaptationRecipe.closedForm("cf-head", 0.3, 0.0, AdaptationRecipe.HeadPrior.ZERO), theta);
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      AdaptedModel a = Adapter.of(saved).adapt(m, support, y, 12);
      assertTrue(a.hasUncertainty());
      double[] sd = a.predictiveSd(m, query);
      // independently: z-score the labels, fit the head on the support features, SD of the query features × label SD
      double mean = java.util.Arrays.stream(y).average().orElseThrow();
      double ss = 0;
      for (double v : y) {
        ss += (v - mean) * (v - mean);
      }
      double scale = Math.sqrt(ss / (y.length - 1));
      double[] z = new double[y.length];
      for (int i = 0; i < z.length; i++) {
        z[i] = (y[i] - mean) / scale;
      }
      double[] lp = ClosedFormAdaptation.logPenalties(m, 0.3, 0.0);
      ClosedFormHead.Fit fit = ClosedFormHead.fit(m.features(theta, EncodedVariant.toBatch(support, null, 12)), z, lp);
      double[] zq = fit.sd(m.features(theta, EncodedVariant.toBatch(query, null, 12)));
      for (int i = 0; i < zq.length; i++) {
        assertEquals(zq[i] * scale, sd[i], 1e-9 * scale);
      }
      // labels ×7 + 3: the same intervals in the new units
      double[] y2 = java.util.Arrays.stream(y).map(v -> 7 * v + 3).toArray();
      AdaptedModel b = Adapter.of(saved).adapt(m, support, y2, 12);
      double[] sd2 = b.predictiveSd(m, query);
      for (int i = 0; i < sd.length; i++) {
        assertEquals(7 * sd[i], sd2[i], 1e-9 * sd2[i]);
      }
    }
  }

  @Test
  void sgdAdaptationHasNoSd() {
    double[] theta = theta(4);
    List<EncodedVariant> vs = singles(new Random(2));
    SavedModel saved = model(AdaptationRecipe.fineTune("finetune", 2, 0.01), theta);
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      AdaptedModel a = Adapter.of(saved).adapt(m, vs.subList(0, 8), new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 12);
      assertTrue(!a.hasUncertainty());
      assertNull(a.predictiveSd(m, vs.subList(8, 12)));
    }
  }

  @Test
  void intervalsCoverEightyPercentWhenLabelsAreLinearInTheFeatures() {
    int inside = 0;
    int total = 0;
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      for (int task = 0; task < 6; task++) {
        double[] theta = theta(10 + task);
        Random r = new Random(task);
        List<EncodedVariant> vs = singles(r);
        double[][] f = m.features(theta, EncodedVariant.toBatch(vs, null, 12));
        double[] w = new double[f[0].length];
        for (int j = 0; j < w.length; j++) {
          w[j] = r.nextGaussian();
        }
        double[] y = new double[vs.size()];
        for (int i = 0; i < y.length; i++) {
          for (int j = 0; j < w.length; j++) {
            y[i] += w[j] * f[i][j];
          }
        }
        double spread = java.util.Arrays.stream(y).map(Math::abs).average().orElseThrow();
        for (int i = 0; i < y.length; i++) {
          y[i] = 4 + y[i] + 0.5 * spread * r.nextGaussian();
        }
        int k = 64;
        AdaptedModel a = Adapter.of(model(AdaptationRecipe.closedForm("cf-head", -2.0, 0.0, AdaptationRecipe.HeadPrior.ZERO), theta))
            .adapt(m, vs.subList(0, k), java.util.Arrays.copyOf(y, k), 12);
        List<EncodedVariant> q = vs.subList(k, vs.size());
        double[] yq = java.util.Arrays.copyOfRange(y, k, y.length);
        double cov = Calibration.coverage(yq, a.predict(m, q), a.predictiveSd(m, q), 0.8);
        inside += (int) Math.round(cov * yq.length);
        total += yq.length;
      }
    }
    double coverage = inside / (double) total;
    // 6 tasks × 354 query values; the noise estimate from 64 labels moves one task's coverage by a few points
    assertTrue(Math.abs(coverage - 0.8) < 0.06, "80 % interval coverage " + coverage);
  }
}
