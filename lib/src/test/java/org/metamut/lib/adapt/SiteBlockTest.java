package org.metamut.lib.adapt;

import org.junit.jupiter.api.Test;
import org.metamut.lib.baseline.OneHotFeaturizer;
import org.metamut.lib.baseline.Standardizer;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.encode.SiteKeys;
import org.metamut.lib.head.ClosedFormHead;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.Transformer;
import org.metamut.lib.mutation.Mutation;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A closed-form head's per-task site block: its keys are the one-hot difference from the wild type, its solve equals a
 * direct ridge on the model's features beside the full one-hot of the mutant sequence (the ridge-one-hot baseline's own
 * featuriser, an independent encoding), and it learns site effects the backbone does not carry.
 */
class SiteBlockTest {
  private static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";
  private static final String OTHER = "MSTNPKPQRKTKRNTNRRPQDV";
  private static final ModelSpec SPEC = AdaptedUncertaintyTest.SPEC;
  private static final EncoderSpec ENC = AdaptedUncertaintyTest.ENC;

  private static double[] theta(long seed) {
    return AdaptedUncertaintyTest.theta(seed);
  }

  private static List<Variant> singles(String wt, Random r) {
    List<Variant> out = new ArrayList<>();
    for (int pos = 1; pos <= wt.length(); pos++) {
      for (char mt : Mutation.AMINO_ACIDS.toCharArray()) {
        if (mt != wt.charAt(pos - 1)) {
          out.add(new Variant(wt, List.of(new Mutation(pos, wt.charAt(pos - 1), mt))));
        }
      }
    }
    Collections.shuffle(out, r);
    return out;
  }

  private static List<EncodedVariant> encode(List<Variant> vs) {
    Encoder e = Encoder.of(ENC);
    return vs.stream().map(v -> e.encode(v.wildType(), v.mutations())).toList();
  }

  private static Adapter adapter(AdaptationRecipe recipe, double[] theta) {
    return Adapter.of(new SavedModel(SPEC, ENC, Normalisation.none(), recipe, Map.of(), theta, null));
  }

  @Test
  void keysAreThePlusAndMinusEntriesOfTheOneHotDifferenceAndNameTheProtein() {
    long[] a = SiteKeys.of(WT, List.of(Mutation.parse("K2A")));
    long[] b = SiteKeys.of(WT, List.of(Mutation.parse("K2C")));
    long[] other = SiteKeys.of(OTHER, List.of(Mutation.parse("S2A")));
    assertEquals(2, a.length);
    assertEquals(1.0, SiteKeys.value(a[0]));
    assertEquals(-1.0, SiteKeys.value(a[1]));
    assertEquals(a[1], b[1], "two substitutions at one site share the wild-type entry");
    assertNotEquals(a[0], b[0]);
    assertNotEquals(SiteKeys.column(a[0]), SiteKeys.column(other[0]), "another protein's A at 2 is another column");
    assertEquals(4, SiteKeys.of(WT, List.of(Mutation.parse("K2A"), Mutation.parse("T3G"))).length);
    // the encoder attaches them; a batch read back has none, and a support without them solves no site block
    assertEquals(Arrays.toString(a), Arrays.toString(Encoder.of(ENC).encode(WT, List.of(Mutation.parse("K2A"))).sites()));
    assertNull(SiteBlock.of(Arrays.asList(a, null)));
  }

  @Test
  void theBlockIsARidgeOfTheHeadsResidualsOnTheMutantSequenceOneHot() {
    double[] theta = theta(5);
    List<Variant> vs = singles(WT, new Random(3));
    List<Variant> support = vs.subList(0, 40);
    List<Variant> query = vs.subList(40, 90);
    SplittableRandom r = new SplittableRandom(4);
    double[] y = support.stream().mapToDouble(v -> 3 + r.nextGaussian()).toArray();
    AdaptationRecipe recipe = AdaptationRecipe.closedForm("cf-head", 0.4, -0.2, AdaptationRecipe.HeadPrior.THETA)
        .withSites(AdaptationRecipe.Sites.SUPPORT_LOO);
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      AdaptedModel a = adapter(recipe, theta).adapt(m, encode(support), y, 12);
      AdaptedModel off = adapter(recipe.overrideSites(AdaptationRecipe.Sites.OFF), theta).adapt(m, encode(support), y, 12);
      assertTrue(a.sites() != null && a.sites().width() > 0);
      assertEquals(java.util.Arrays.toString(off.theta()), java.util.Arrays.toString(a.theta()),
          "the head is solved first, unchanged by the block");
      double[] pred = a.predict(m, encode(query));
      double[] sd = a.predictiveSd(m, encode(query));

      // independently: the head's residuals on the support, regressed on the dense one-hot of the whole mutant
      // sequence restricted to the columns the support varies (the others centre to 0 in the mean; the block leaves
      // their prior variance out of the SD, see SiteBlock#sd), penalty chosen by the same LOO grid
      OneHotFeaturizer oneHot = new OneHotFeaturizer();
      double[][] hsAll = support.stream().map(oneHot::features).toArray(double[][]::new);
      int[] varying = java.util.stream.IntStream.range(0, hsAll[0].length)
          .filter(j -> java.util.Arrays.stream(hsAll).anyMatch(h -> h[j] != hsAll[0][j])).toArray();
      double[][] hs = java.util.Arrays.stream(hsAll).map(h -> pick(h, varying)).toArray(double[][]::new);
      double[][] hq = query.stream().map(v -> pick(oneHot.features(v), varying)).toArray(double[][]::new);
      Standardizer st = Standardizer.fit(y);
      double[] z = st.transform(y);
      double[] zHead = st.transform(off.predict(m, encode(support)));
      double[] left = new double[z.length];
      for (int i = 0; i < z.length; i++) {
        left[i] = z[i] - zHead[i];
      }
      double[] lp = new double[hs[0].length];
      lp = ClosedFormHead.chooseByLoo(hs, left, lp, new int[lp.length], SiteBlock.LOO_LOG_SCALES);
      ClosedFormHead.Fit block = ClosedFormHead.fit(hs, left, lp);
      double[] zq = block.predict(hq);
      double[] vq = block.variance(hq);
      double[] zOff = st.transform(off.predict(m, encode(query)));
      double[][] fq = m.features(off.theta(), EncodedVariant.toBatch(encode(query), null, 12));
      double[] headWeights = off.posterior().weightVariance(fq);
      double noise = off.posterior().noiseVariance();
      assertTrue(Double.isFinite(block.noiseVariance()), "the block estimates its noise here");
      for (int i = 0; i < zq.length; i++) {
        assertEquals(st.inverse(zOff[i] + zq[i]), pred[i], 1e-8, "query " + i);
        // the block's predictive variance (its own noise, intercept, weights) plus the head's weight uncertainty
        double expected = Math.sqrt(vq[i] + noise * headWeights[i]) * st.scale();
        assertEquals(expected, sd[i], 1e-8, "query SD " + i);
      }
    }
  }

  @Test
  void aTaskOfSiteEffectsIsLearnedOnlyWithTheSiteBlock() {
    double[] theta = theta(7);
    Random r = new Random(8);
    double[] siteEffect = new double[WT.length() + 1];
    for (int p = 1; p < siteEffect.length; p++) {
      siteEffect[p] = 2 * r.nextGaussian();
    }
    List<Variant> vs = singles(WT, r);
    List<Variant> support = vs.subList(0, 120);
    List<Variant> query = vs.subList(120, 400);
    double[] y = support.stream().mapToDouble(v -> siteEffect[v.mutations().get(0).pos()] + 0.1 * r.nextGaussian()).toArray();
    double[] yq = query.stream().mapToDouble(v -> siteEffect[v.mutations().get(0).pos()]).toArray();
    AdaptationRecipe off = AdaptationRecipe.closedForm("cf-head", 0.0, 0.0, AdaptationRecipe.HeadPrior.ZERO);
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      double rhoOff = Metrics.spearman(yq, adapter(off, theta).adapt(m, encode(support), y, 12).predict(m, encode(query)));
      AdaptedModel on = adapter(off, theta).overrideSites(AdaptationRecipe.Sites.SUPPORT_LOO)
          .adapt(m, encode(support), y, 12);
      double rhoOn = Metrics.spearman(yq, on.predict(m, encode(query)));
      assertTrue(rhoOn > 0.9, "with the site block: Spearman " + rhoOn);
      assertTrue(rhoOn > rhoOff + 0.15, "without " + rhoOff + ", with " + rhoOn);
      assertTrue(on.recipe().overrides().get(0).startsWith("site block support_loo"), on.recipe().overrides().toString());
      assertTrue(on.lossAfter() < 0.05, "support loss with the site block " + on.lossAfter());
      assertTrue(on.lossAfter() < on.lossBefore(), "the support loss reported counts the block");
    }
  }

  private static double[] pick(double[] row, int[] columns) {
    return java.util.Arrays.stream(columns).mapToDouble(j -> row[j]).toArray();
  }
}
