package org.metamut.lib.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.mutation.Mutation;

/** The baselines learn synthetic landscapes from a support set and generalise to held-out variants. */
class RidgeBaselineTest {

  private static final String AA = Mutation.AMINO_ACIDS;

  private static String randomProtein(Random r, int length) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < length; i++) {
      b.append(AA.charAt(r.nextInt(20)));
    }
    return b.toString();
  }

  private static List<Variant> singlesAndDoubles(Random r, String wt, int doubles) {
    List<Variant> out = new ArrayList<>();
    for (int pos = 1; pos <= wt.length(); pos++) {
      for (char mt : AA.toCharArray()) {
        if (mt != wt.charAt(pos - 1)) {
          out.add(new Variant(wt, List.of(new Mutation(pos, wt.charAt(pos - 1), mt))));
        }
      }
    }
    for (int i = 0; i < doubles; i++) {
      int a = 1 + r.nextInt(wt.length());
      int b = 1 + r.nextInt(wt.length());
      if (a == b) {
        continue;
      }
      out.add(new Variant(wt, List.of(mutate(r, wt, a), mutate(r, wt, b))));
    }
    Collections.shuffle(out, r);
    return out;
  }

  private static Mutation mutate(Random r, String wt, int pos) {
    char w = wt.charAt(pos - 1);
    char m;
    do {
      m = AA.charAt(r.nextInt(20));
    } while (m == w);
    return new Mutation(pos, w, m);
  }

  /** Fits on the first {@code k} variants and returns Spearman on the rest. */
  private static double heldOutSpearman(Baseline baseline, List<Variant> variants, double[] y, int k) {
    List<LabelledVariant> support = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      support.add(new LabelledVariant(variants.get(i), y[i]));
    }
    Predictor p = baseline.fit(support);
    double[] pred = p.predict(variants.subList(k, variants.size()));
    double[] obs = java.util.Arrays.copyOfRange(y, k, y.length);
    return Metrics.spearman(obs, pred);
  }

  @Test
  void oneHotRidgeLearnsAnAdditiveSiteLandscape() {
    Random r = new Random(42);
    String wt = randomProtein(r, 40);
    double[] site = new double[41];
    double[][] effect = new double[41][20];
    for (int pos = 1; pos <= 40; pos++) {
      site[pos] = r.nextGaussian();
      for (int a = 0; a < 20; a++) {
        effect[pos][a] = site[pos] + 0.5 * r.nextGaussian();
      }
    }
    List<Variant> variants = singlesAndDoubles(r, wt, 300);
    double[] y = new double[variants.size()];
    for (int i = 0; i < y.length; i++) {
      for (Mutation m : variants.get(i).mutations()) {
        y[i] += effect[m.pos()][AA.indexOf(m.mt())];
      }
      y[i] += 0.3 * r.nextGaussian();
    }
    double rho = heldOutSpearman(RidgeBaseline.oneHot("ridge-onehot"), variants, y, 160);
    assertTrue(rho > 0.6, "one-hot ridge held-out Spearman " + rho);
  }

  @Test
  void substitutionRidgeLearnsAPhysicochemicalLandscape() {
    Random r = new Random(7);
    String wt = randomProtein(r, 60);
    List<Variant> variants = singlesAndDoubles(r, wt, 200);
    double[] y = new double[variants.size()];
    for (int i = 0; i < y.length; i++) {
      for (Mutation m : variants.get(i).mutations()) {
        y[i] += 0.3 * Blosum62.score(m.wt(), m.mt())
            - 0.4 * Math.abs(ResidueScales.hydropathy(m.mt()) - ResidueScales.hydropathy(m.wt()))
            - 0.01 * Math.abs(ResidueScales.volume(m.mt()) - ResidueScales.volume(m.wt()));
      }
      y[i] += 0.5 * r.nextGaussian();
    }
    double rho = heldOutSpearman(RidgeBaseline.substitution("ridge-substitution"), variants, y, 48);
    assertTrue(rho > 0.6, "substitution ridge held-out Spearman " + rho);
  }

  @Test
  void eachPredictionDependsOnTheSupportAndThatVariantOnly() {
    Random r = new Random(3);
    String wt = randomProtein(r, 15);
    List<Variant> variants = singlesAndDoubles(r, wt, 20);
    List<LabelledVariant> support = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      support.add(new LabelledVariant(variants.get(i), r.nextGaussian()));
    }
    for (Baseline b : List.of(RidgeBaseline.oneHot("ridge-onehot"), RidgeBaseline.substitution("ridge-substitution"))) {
      Predictor p = b.fit(support);
      List<Variant> query = variants.subList(12, 40);
      double[] batch = p.predict(query);
      double[] alone = new double[query.size()];
      for (int i = 0; i < alone.length; i++) {
        alone[i] = p.predict(List.of(query.get(i)))[0];
      }
      assertArrayEquals(batch, alone, 0, b.name());
      assertTrue(p.describe().containsKey("lambda"));
      assertArrayEquals(batch, b.fit(support).predict(query), 0, b.name() + " is deterministic");
    }
  }

  @Test
  void aVariantOfAnotherWildTypeIsRefused() {
    Predictor p = RidgeBaseline.oneHot("ridge-onehot").fit(List.of(new LabelledVariant(Variant.of("MAK", "A2G"), 1),
        new LabelledVariant(Variant.of("MAK", "K3R"), 2)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(Variant.of("MAKL", "L4P")));
    assertTrue(e.getMessage().contains("L4P"), e.getMessage());
  }

  @Test
  void standardizerUsesTheSupportOnlyAndInverts() {
    Standardizer s = Standardizer.fit(new double[] {1, 2, 3, 6});
    assertEquals(3, s.mean(), 1e-12);
    assertEquals(Math.sqrt(14.0 / 3), s.scale(), 1e-12); // squares 4 + 1 + 0 + 9 over n - 1
    assertEquals(7.5, s.inverse(s.transform(7.5)), 1e-12);
    assertEquals(1, Standardizer.fit(new double[] {4, 4}).scale());
    assertEquals(4, Standardizer.fit(new double[] {4}).mean());
    assertArrayEquals(new double[] {0, 1}, Standardizer.fit(new double[] {0, 2}).inverse(new double[] {-Math.sqrt(0.5), 0}), 1e-12);
  }
}
