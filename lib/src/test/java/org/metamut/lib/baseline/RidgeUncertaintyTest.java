package org.metamut.lib.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.metamut.lib.metrics.Calibration;
import org.metamut.lib.mutation.Mutation;

/**
 * The ridge baselines' predictive SD is the Bayesian ridge posterior at the LOO-chosen penalty: its mean is the ridge
 * fit itself, and on tasks where the linear model is true its 80 % intervals cover about 80 % of held-out values.
 */
class RidgeUncertaintyTest {

  private static final String AA = Mutation.AMINO_ACIDS;

  @Test
  void thePosteriorMeanIsTheRidgeFit() {
    Random r = new Random(1);
    double[][] x = new double[12][30]; // p > n: the dual form of Ridge
    double[] y = new double[12];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] = r.nextGaussian();
      }
      y[i] = x[i][0] - 2 * x[i][3] + 0.1 * r.nextGaussian();
    }
    double[][] xq = {x[0].clone(), new double[30]};
    for (double lambda : new double[] {0.01, 1, 300}) {
      Ridge.Fit ridge = Ridge.fit(x, y, lambda);
      double[] mean = RidgeBaseline.posterior(x, y, RidgeBaseline.logPenalties(30, lambda)).predict(xq);
      assertArrayEquals(new double[] {ridge.predict(xq[0]), ridge.predict(xq[1])}, mean, 1e-9);
    }
  }

  @Test
  void oneExampleHasNoSd() {
    String wt = "MKTAYIAKQR";
    Variant v = new Variant(wt, List.of(new Mutation(2, 'K', 'A')));
    List<LabelledVariant> one = List.of(new LabelledVariant(v, 1.0));
    assertNull(RidgeBaseline.substitution("ridge-substitution").fit(one).predictiveSd(List.of(v)));
    assertNull(CombinedRidgeBaseline.of("ridge-combined").fit(one).predictiveSd(List.of(v)));
  }

  @Test
  void intervalsCoverEightyPercentWhenTheLinearModelIsTrue() {
    double[] sub = coverage(RidgeBaseline.substitution("ridge-substitution"));
    double[] comb = coverage(CombinedRidgeBaseline.of("ridge-combined"));
    // 12 tasks × ~300 query values; the per-task noise estimate from 48 labels moves a task's coverage by a few
    // points, so the pooled value is within ±0.06 of 0.8 (a 50 % or 95 % interval would be far outside)
    assertTrue(Math.abs(sub[0] - 0.8) < 0.06, "ridge-substitution coverage " + sub[0]);
    assertTrue(Math.abs(comb[0] - 0.8) < 0.06, "ridge-combined coverage " + comb[0]);
    assertTrue(sub[1] > 0 && comb[1] > 0);
  }

  /** {pooled 80 % coverage, mean SD} of {@code b} fitted on 48 variants of 12 synthetic linear tasks. */
  private static double[] coverage(Baseline b) {
    Random r = new Random(7);
    SubstitutionFeaturizer f = new SubstitutionFeaturizer();
    int inside = 0;
    int total = 0;
    double sdSum = 0;
    for (int task = 0; task < 12; task++) {
      String wt = randomProtein(r, 18);
      List<Variant> vs = singles(wt);
      Collections.shuffle(vs, r);
      double[] w = new double[f.features(vs.get(0)).length];
      for (int j = 0; j < w.length; j++) {
        w[j] = r.nextGaussian() * 0.3;
      }
      double sigma = 0.5;
      List<LabelledVariant> support = new ArrayList<>();
      List<Variant> query = new ArrayList<>();
      List<Double> qy = new ArrayList<>();
      for (int i = 0; i < vs.size(); i++) {
        double[] x = f.features(vs.get(i));
        double y = 2;
        for (int j = 0; j < w.length; j++) {
          y += w[j] * x[j];
        }
        y += sigma * r.nextGaussian();
        if (i < 48) {
          support.add(new LabelledVariant(vs.get(i), y));
        } else {
          query.add(vs.get(i));
          qy.add(y);
        }
      }
      Predictor p = b.fit(support);
      double[] mu = p.predict(query);
      double[] sd = p.predictiveSd(query);
      double[] y = qy.stream().mapToDouble(Double::doubleValue).toArray();
      inside += (int) Math.round(Calibration.coverage(y, mu, sd, 0.8) * y.length);
      total += y.length;
      for (double s : sd) {
        sdSum += s;
      }
    }
    assertEquals(total, 12 * (18 * 19 - 48));
    return new double[] {inside / (double) total, sdSum / total};
  }

  private static String randomProtein(Random r, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append(AA.charAt(r.nextInt(20)));
    }
    return s.toString();
  }

  private static List<Variant> singles(String wt) {
    List<Variant> out = new ArrayList<>();
    for (int pos = 1; pos <= wt.length(); pos++) {
      for (char mt : AA.toCharArray()) {
        if (mt != wt.charAt(pos - 1)) {
          out.add(new Variant(wt, List.of(new Mutation(pos, wt.charAt(pos - 1), mt))));
        }
      }
    }
    return out;
  }
}
