package org.metamut.lib.adapt;

import org.junit.jupiter.api.Test;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.io.Normalisation;
import org.metamut.lib.io.SavedModel;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A deep ensemble of adapted models ({@link Adapter#ensemble}): its prediction is the mean of its members' (each member
 * adapted alone, an independent path), its SD the mixture's, and a user's override reaches every member.
 */
class EnsembleTest {
  private static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";
  private static final ModelSpec SPEC = AdaptedUncertaintyTest.SPEC;

  private static List<EncodedVariant> singles(Random r) {
    Encoder e = Encoder.of(AdaptedUncertaintyTest.ENC);
    List<EncodedVariant> out = new ArrayList<>();
    for (int pos = 1; pos <= WT.length(); pos++) {
      for (char mt : Mutation.AMINO_ACIDS.toCharArray()) {
        if (mt != WT.charAt(pos - 1)) {
          out.add(e.encode(WT, List.of(new Mutation(pos, WT.charAt(pos - 1), mt))));
        }
      }
    }
    Collections.shuffle(out, r);
    return out;
  }

  private static Adapter member(long seed, AdaptationRecipe recipe) {
    return Adapter.of(new SavedModel(SPEC, AdaptedUncertaintyTest.ENC, Normalisation.none(), recipe, Map.of(),
        AdaptedUncertaintyTest.theta(seed), null));
  }

  @Test
  void predictsTheMembersMeanWithTheMixtureSd() {
    AdaptationRecipe recipe = AdaptationRecipe.closedForm("cf-head", 0.3, 0.0, AdaptationRecipe.HeadPrior.ZERO)
        .overrideSites(AdaptationRecipe.Sites.SUPPORT_LOO);
    List<Adapter> members = List.of(member(3, recipe), member(4, recipe), member(5, recipe));
    List<EncodedVariant> vs = singles(new Random(1));
    List<EncodedVariant> support = vs.subList(0, 24);
    List<EncodedVariant> query = vs.subList(24, 60);
    SplittableRandom r = new SplittableRandom(2);
    double[] y = new double[support.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = 50 + 10 * r.nextGaussian();
    }
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      AdaptedModel ens = Adapter.ensemble(members).adapt(m, support, y, 12);
      assertEquals(3, Adapter.ensemble(members).members());
      double[] mean = ens.predict(m, query);
      double[] sd = ens.predictiveSd(m, query);
      AdaptedModel.Predictions both = ens.withSd(m, query);
      assertArrayEquals(mean, both.mean(), "one pass over the members gives predict's means");
      assertArrayEquals(sd, both.sd(), "and predictiveSd's SDs");
      double[][] mu = new double[3][];
      double[][] s = new double[3][];
      for (int k = 0; k < 3; k++) {
        AdaptedModel one = members.get(k).adapt(m, support, y, 12);
        mu[k] = one.predict(m, query);
        s[k] = one.predictiveSd(m, query);
      }
      assertNotEquals(mu[0][0], mu[1][0], "the members differ, so the test can tell the mean from a member");
      for (int i = 0; i < query.size(); i++) {
        double expected = (mu[0][i] + mu[1][i] + mu[2][i]) / 3;
        assertEquals(expected, mean[i], 1e-9 * Math.abs(expected));
        double within = (s[0][i] * s[0][i] + s[1][i] * s[1][i] + s[2][i] * s[2][i]) / 3;
        double between = 0;
        for (int k = 0; k < 3; k++) {
          between += (mu[k][i] - expected) * (mu[k][i] - expected) / 3;
        }
        assertEquals(Math.sqrt(within + between), sd[i], 1e-9 * sd[i]);
        assertTrue(sd[i] >= Math.sqrt(within) - 1e-12, "disagreement only widens the interval");
      }
    }
  }

  @Test
  void anOverrideReachesEveryMember() {
    AdaptationRecipe recipe = AdaptationRecipe.closedForm("cf-head", 0.3, 0.0, AdaptationRecipe.HeadPrior.ZERO)
        .overrideSites(AdaptationRecipe.Sites.SUPPORT_LOO);
    List<EncodedVariant> vs = singles(new Random(7));
    List<EncodedVariant> support = vs.subList(0, 30);
    List<EncodedVariant> query = vs.subList(30, 50);
    double[] y = support.stream().mapToDouble(v -> v.sites()[0] % 7).toArray();
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      Adapter off = Adapter.ensemble(List.of(member(3, recipe), member(4, recipe)))
          .overrideSites(AdaptationRecipe.Sites.OFF);
      double[] got = off.adapt(m, support, y, 12).predict(m, query);
      double[] a = member(3, recipe).overrideSites(AdaptationRecipe.Sites.OFF).adapt(m, support, y, 12).predict(m, query);
      double[] b = member(4, recipe).overrideSites(AdaptationRecipe.Sites.OFF).adapt(m, support, y, 12).predict(m, query);
      for (int i = 0; i < got.length; i++) {
        assertEquals((a[i] + b[i]) / 2, got[i], 1e-9 * (1 + Math.abs(got[i])));
      }
    }
  }

  @Test
  void sgdMembersHaveNoSdAndMismatchedMembersAreRefused() {
    AdaptationRecipe sgd = AdaptationRecipe.fineTune("finetune", 3, 0.01);
    List<EncodedVariant> vs = singles(new Random(3));
    double[] y = new double[12];
    for (int i = 0; i < y.length; i++) {
      y[i] = i;
    }
    try (Transformer m = new Transformer(SPEC, DataType.DOUBLE)) {
      AdaptedModel a = Adapter.ensemble(List.of(member(3, sgd), member(4, sgd))).adapt(m, vs.subList(0, 12), y, 12);
      assertNull(a.predictiveSd(m, vs.subList(12, 20)));
    }
    assertThrows(IllegalArgumentException.class, () -> Adapter.ensemble(List.of(member(3, sgd))));
    ModelSpec wider = ModelSpec.reference(1, 16, 2, 16, 12).withPooling(ModelSpec.Pooling.SITES);
    Adapter wrong = Adapter.of(new SavedModel(wider, AdaptedUncertaintyTest.ENC, Normalisation.none(), sgd, Map.of(),
        ParamLayout.of(wider).initialise(1), null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Adapter.ensemble(List.of(member(3, sgd), wrong)));
    assertTrue(e.getMessage().contains("architecture"), e.getMessage());
  }
}
