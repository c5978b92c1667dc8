package org.metamut.lib.adapt;

import org.junit.jupiter.api.Test;
import org.metamut.lib.baseline.Featurizer;
import org.metamut.lib.baseline.Standardizer;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.esm.EsmBaselines;
import org.metamut.lib.io.ModelFile;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.Transformer;
import org.metamut.lib.mutation.Mutation;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A closed-form head's ESM-2 block, with real ESM-2 features (the tiny test checkpoint's site embeddings and zero-shot
 * scores): the joint solve equals a primal ridge on [model features | support-standardised ESM-2 columns] computed
 * here from scratch (its penalties chosen by the documented leave-one-out criterion, searched here over the same grids),
 * the block is off by default and then changes nothing, and it learns what the ESM-2 features carry.
 */
class EsmBlockTest {
  private static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";
  private static final ModelSpec SPEC = ModelSpec.reference(1, 8, 2, 16, 12).withPooling(ModelSpec.Pooling.SITES)
      .withSubstitutionFeatures(true);
  private static final EncoderSpec ENC = EncoderSpec.separator(12);

  private static Path tiny() throws Exception {
    return Path.of(EsmBlockTest.class.getResource("/esm2-tiny/config.json").toURI()).getParent();
  }

  private static double[] theta(long seed) {
    double[] theta = ParamLayout.of(SPEC).initialise(seed);
    SplittableRandom r = new SplittableRandom(seed + 1);
    for (int i = 0; i < theta.length; i++) {
      theta[i] += 0.05 * r.nextGaussian();
    }
    return theta;
  }

  private static List<Variant> singles(Random r) {
    List<Variant> out = new ArrayList<>();
    for (int pos = 1; pos <= WT.length(); pos++) {
      for (char mt : Mutation.AMINO_ACIDS.toCharArray()) {
        if (mt != WT.charAt(pos - 1)) {
          out.add(new Variant(WT, List.of(new Mutation(pos, WT.charAt(pos - 1), mt))));
        }
      }
    }
    Collections.shuffle(out, r);
    return out;
  }

  private static List<EncodedVariant> encode(List<Variant> vs, Featurizer esm) {
    Encoder e = Encoder.of(ENC);
    return vs.stream().map(v -> {
      EncodedVariant ev = e.encode(v.wildType(), v.mutations());
      return esm == null ? ev : ev.withEsm(esm.features(v));
    }).toList();
  }

  private static Adapter adapter(AdaptationRecipe recipe, double[] theta) {
    return Adapter.of(new SavedModel(SPEC, ENC, Normalisation.none(), recipe, Map.of(), theta, null));
  }

  private static AdaptationRecipe recipe(AdaptationRecipe.PenaltyChoice penalties) {
    return AdaptationRecipe.closedForm("cf-head", 0.4, -0.2, AdaptationRecipe.HeadPrior.THETA)
        .withPenalties(penalties, "");
  }

  @Test
  void theJointSolveIsAPrimalRidgeOnModelFeaturesBesideStandardisedEsmColumns() throws Exception {
    Featurizer esm = EsmBaselines.features(tiny().toString(), null);
    List<Variant> vs = singles(new Random(3));
    List<Variant> support = vs.subList(0, 14);
    List<Variant> query = vs.subList(14, 30);
    SplittableRandom r = new SplittableRandom(4);
    double[] y = support.stream().mapToDouble(v -> 3 + r.nextGaussian()).toArray();
    double[] theta = theta(5);
    for (AdaptationRecipe.PenaltyChoice choice : AdaptationRecipe.PenaltyChoice.values()) {
      AdaptationRecipe rc = recipe(choice).overrideEsm(true, "sha256:test");
      try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
        AdaptedModel a = adapter(rc, theta).adapt(m, encode(support, esm), y, 12);
        assertTrue(a.esm() != null && a.esm().width() == 33, "32 hidden + the zero-shot score");
        double[] pred = a.predict(m, encode(query, esm));

        // independently: design rows [model features | ESM columns standardised on the support], residuals from θ's
        // head (prior mean; 0 for the ESM columns), penalties = learned (or base ln(33) for ESM) + a scale per block
        double[][] fs = m.features(theta, EncodedVariant.toBatch(encode(support, null), null, 12));
        double[][] fq = m.features(theta, EncodedVariant.toBatch(encode(query, null), null, 12));
        int d = fs[0].length;
        int learned = m.learnedFeatureDim();
        assertTrue(learned < d, "the test model has side features (three blocks)");
        double[][] es = support.stream().map(esm::features).toArray(double[][]::new);
        double[][] eq = query.stream().map(esm::features).toArray(double[][]::new);
        int w = es[0].length;
        double[] mu = new double[w];
        double[] sd = new double[w];
        for (int j = 0; j < w; j++) {
          for (double[] e : es) {
            mu[j] += e[j] / es.length;
          }
          for (double[] e : es) {
            sd[j] += (e[j] - mu[j]) * (e[j] - mu[j]) / es.length;
          }
          sd[j] = sd[j] > 0 ? Math.sqrt(sd[j]) : 1;
        }
        double[][] xs = join(fs, es, mu, sd);
        double[][] xq = join(fq, eq, mu, sd);
        double[] w0 = new double[d + w];
        for (int j = 0; j < d; j++) {
          w0[j] = theta[ParamLayout.of(SPEC).headRange().from() + (j < learned ? j : j + 1)]; // head.W, head.b, head.Ws
        }
        Standardizer st = Standardizer.fit(y);
        double[] z = st.transform(y);
        double[] res = new double[z.length];
        for (int i = 0; i < z.length; i++) {
          res[i] = z[i] - dot(xs[i], w0);
        }
        double[] g1 = choice == AdaptationRecipe.PenaltyChoice.SUPPORT_LOO
            ? AdaptationRecipe.PenaltyChoice.LOO_LOG_SCALES : new double[] {0.0};
        double best = Double.POSITIVE_INFINITY;
        double[] bestLp = null;
        for (double sE : EsmBlock.LOO_LOG_SCALES) {
          for (double sS : g1) {
            for (double sL : g1) {
              double[] lp = new double[d + w];
              for (int j = 0; j < lp.length; j++) {
                lp[j] = j < learned ? 0.4 + sL : j < d ? -0.2 + sS : Math.log(w) + sE;
              }
              double sse = looSse(xs, res, lp);
              if (sse < best) {
                best = sse;
                bestLp = lp;
              }
            }
          }
        }
        double[] expected = primalPredict(xs, res, xq, bestLp);
        for (int q = 0; q < expected.length; q++) {
          expected[q] = st.inverse(expected[q] + dot(xq[q], w0));
        }
        assertArrayEquals(expected, pred, 1e-8, choice + ": joint solve vs primal ridge");
        double[] sdq = a.predictiveSd(m, encode(query, esm));
        assertTrue(Arrays.stream(sdq).allMatch(v -> Double.isFinite(v) && v > 0), Arrays.toString(sdq));
      }
    }
  }

  @Test
  void offByDefaultChangesNothingAndIsNotWrittenToModelFiles() throws Exception {
    Featurizer esm = EsmBaselines.features(tiny().toString(), null);
    List<Variant> vs = singles(new Random(7));
    List<Variant> support = vs.subList(0, 12);
    List<Variant> query = vs.subList(12, 24);
    double[] y = support.stream().mapToDouble(v -> v.mutations().get(0).pos() * 0.3).toArray();
    AdaptationRecipe rc = recipe(AdaptationRecipe.PenaltyChoice.SUPPORT_LOO);
    assertFalse(rc.esmFeatures());
    assertNull(rc.esm());
    assertEquals(rc, rc.overrideEsm(false, null), "off stays the same recipe");
    AdaptationRecipe on = rc.overrideEsm(true, "sha256:abc");
    assertTrue(on.describe().contains("ESM-2 features block"), on.describe());
    assertTrue(on.overrides().get(0).contains("sha256:abc"), on.overrides().toString());
    assertTrue(AdaptationRecipe.fineTune("maml", 1, 0.01).overrideEsm(true, "sha256:x").esm() == null,
        "an SGD recipe has no ESM block");
    // the JSON a model file holds has no esm field when off
    String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(rc);
    assertFalse(json.contains("esm"), json);
    assertTrue(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(on).contains("\"esm\":\"SUPPORT_LOO\""));
    double[] theta = theta(8);
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      AdaptedModel plain = adapter(rc, theta).adapt(m, encode(support, null), y, 12);
      AdaptedModel withFeatures = adapter(rc, theta).adapt(m, encode(support, esm), y, 12);
      assertNull(withFeatures.esm());
      assertArrayEquals(plain.theta(), withFeatures.theta(), 0.0, "features attached to a recipe without the block");
      assertArrayEquals(plain.predict(m, encode(query, null)), withFeatures.predict(m, encode(query, esm)), 0.0);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> adapter(on, theta).adapt(m, encode(support, null), y, 12));
      assertTrue(e.getMessage().contains("ESM-2"), e.getMessage());
    }
    // a model file round trip keeps an off recipe as it was (the file format is unchanged)
    SavedModel saved = new SavedModel(SPEC, ENC, Normalisation.none(), rc, Map.of(), theta, null);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ModelFile.writeTo(out, saved);
    assertFalse(new String(out.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("\"esm\""));
  }

  @Test
  void theBlockLearnsWhatTheEsmFeaturesCarry() throws Exception {
    Featurizer esm = EsmBaselines.features(tiny().toString(), null);
    List<Variant> vs = singles(new Random(11));
    List<Variant> support = vs.subList(0, 40);
    List<Variant> query = vs.subList(40, 140);
    // labels that are a function of the ESM-2 features the backbone never sees: the zero-shot score, plus noise
    SplittableRandom r = new SplittableRandom(12);
    double[] ys = support.stream().mapToDouble(v -> zeroShot(esm, v) + 0.05 * r.nextGaussian()).toArray();
    double[] yq = query.stream().mapToDouble(v -> zeroShot(esm, v)).toArray();
    AdaptationRecipe rc = recipe(AdaptationRecipe.PenaltyChoice.SUPPORT_LOO);
    double[] theta = theta(13);
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      double[] off = adapter(rc, theta).adapt(m, encode(support, null), ys, 12).predict(m, encode(query, null));
      AdaptedModel onModel = adapter(rc.overrideEsm(true, "sha256:t"), theta).adapt(m, encode(support, esm), ys, 12);
      double[] on = onModel.predict(m, encode(query, esm));
      double sOff = Metrics.spearman(yq, off);
      double sOn = Metrics.spearman(yq, on);
      assertTrue(sOn > 0.9 && sOn > sOff + 0.3, "Spearman with the ESM-2 block " + sOn + ", without " + sOff);
      assertTrue(onModel.lossAfter() < onModel.lossBefore());
    }
  }

  private static double zeroShot(Featurizer esm, Variant v) {
    double[] f = esm.features(v);
    return f[f.length - 1];
  }

  private static double[][] join(double[][] f, double[][] e, double[] mu, double[] sd) {
    double[][] out = new double[f.length][];
    for (int i = 0; i < f.length; i++) {
      out[i] = Arrays.copyOf(f[i], f[i].length + e[i].length);
      for (int j = 0; j < e[i].length; j++) {
        out[i][f[i].length + j] = (e[i][j] - mu[j]) / sd[j];
      }
    }
    return out;
  }

  /**
   * Sum of squared leave-one-out residuals of ridge with an unpenalised intercept (features centred on the support),
   * by the hat matrix of the centred ridge H = Xc (XcᵀXc + Λ)⁻¹ Xcᵀ: r_i = e_i / (1 − H_ii), the criterion the head
   * documents ({@code α_i / (K⁻¹)_ii}, K⁻¹ = I − H), computed here in the primal form.
   */
  private static double looSse(double[][] x, double[] y, double[] lp) {
    int k = x.length;
    int d = lp.length;
    double[][] xc = centred(x, x);
    double ym = Arrays.stream(y).average().orElse(0);
    double[][] a = new double[d][d];
    for (int j = 0; j < d; j++) {
      for (int l = 0; l < d; l++) {
        double s = 0;
        for (double[] row : xc) {
          s += row[j] * row[l];
        }
        a[j][l] = s;
      }
      a[j][j] += Math.exp(lp[j]);
    }
    double sse = 0;
    double[][] ainvXt = new double[k][];
    for (int i = 0; i < k; i++) {
      ainvXt[i] = solve(a, xc[i]);
    }
    double[] w = solve(a, xtY(xc, y, ym));
    for (int i = 0; i < k; i++) {
      double h = dot(xc[i], ainvXt[i]);
      double e = y[i] - ym - dot(xc[i], w);
      double rr = e / (1 - h);
      sse += rr * rr;
    }
    return sse;
  }

  private static double[] primalPredict(double[][] xs, double[] y, double[][] xq, double[] lp) {
    int d = lp.length;
    double[][] xc = centred(xs, xs);
    double ym = Arrays.stream(y).average().orElse(0);
    double[][] a = new double[d][d];
    for (int j = 0; j < d; j++) {
      for (int l = 0; l < d; l++) {
        double s = 0;
        for (double[] row : xc) {
          s += row[j] * row[l];
        }
        a[j][l] = s;
      }
      a[j][j] += Math.exp(lp[j]);
    }
    double[] w = solve(a, xtY(xc, y, ym));
    double[][] qc = centred(xq, xs);
    double[] p = new double[xq.length];
    for (int q = 0; q < p.length; q++) {
      p[q] = ym + dot(qc[q], w);
    }
    return p;
  }

  private static double[] xtY(double[][] xc, double[] y, double ym) {
    double[] b = new double[xc[0].length];
    for (int i = 0; i < xc.length; i++) {
      for (int j = 0; j < b.length; j++) {
        b[j] += xc[i][j] * (y[i] - ym);
      }
    }
    return b;
  }

  private static double[][] centred(double[][] x, double[][] by) {
    int d = by[0].length;
    double[] m = new double[d];
    for (double[] r : by) {
      for (int j = 0; j < d; j++) {
        m[j] += r[j] / by.length;
      }
    }
    double[][] out = new double[x.length][d];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < d; j++) {
        out[i][j] = x[i][j] - m[j];
      }
    }
    return out;
  }

  /** Gaussian elimination with partial pivoting (a copy of a and b is solved). */
  private static double[] solve(double[][] a0, double[] b0) {
    int n = b0.length;
    double[][] a = new double[n][];
    for (int i = 0; i < n; i++) {
      a[i] = a0[i].clone();
    }
    double[] b = b0.clone();
    for (int c = 0; c < n; c++) {
      int p = c;
      for (int i = c + 1; i < n; i++) {
        if (Math.abs(a[i][c]) > Math.abs(a[p][c])) {
          p = i;
        }
      }
      double[] t = a[c];
      a[c] = a[p];
      a[p] = t;
      double tb = b[c];
      b[c] = b[p];
      b[p] = tb;
      for (int i = c + 1; i < n; i++) {
        double f = a[i][c] / a[c][c];
        for (int j = c; j < n; j++) {
          a[i][j] -= f * a[c][j];
        }
        b[i] -= f * b[c];
      }
    }
    double[] x = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double s = b[i];
      for (int j = i + 1; j < n; j++) {
        s -= a[i][j] * x[j];
      }
      x[i] = s / a[i][i];
    }
    return x;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
