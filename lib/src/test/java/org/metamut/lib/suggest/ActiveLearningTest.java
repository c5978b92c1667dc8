package org.metamut.lib.suggest;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActiveLearningTest {
  private static final ActiveLearning.Settings S = new ActiveLearning.Settings(8, 4, 8, 1.0, 1);

  /** A pool of 300 variants at 30 sites and a learner that knows the truth up to fixed noise (oracle-ish). */
  private static double[] pool(Random r, List<List<Integer>> sites) {
    double[] y = new double[300];
    for (int i = 0; i < y.length; i++) {
      y[i] = r.nextGaussian();
      sites.add(List.of(1 + i % 30));
    }
    return y;
  }

  private static ActiveLearning.Learner oracle(double[] truth, long seed, List<int[]> seen) {
    Random r = new Random(seed);
    double[] noisy = Arrays.stream(truth).map(v -> v + 0.5 * r.nextGaussian()).toArray();
    double[] sd = new double[truth.length];
    Arrays.fill(sd, 0.5);
    return (labelled, labels) -> {
      seen.add(labelled.clone());
      return new ActiveLearning.Prediction(noisy, sd);
    };
  }

  @Test
  void anOracleIshLearnerBeatsRandomPicksAndTheCampaignIsWellFormed() {
    double ucbBest = 0;
    double randomBest = 0;
    int campaigns = 20;
    for (int c = 0; c < campaigns; c++) {
      Random r = new Random(c);
      List<List<Integer>> sites = new ArrayList<>();
      double[] truth = pool(r, sites);
      int[] start = ActiveLearning.startSet(truth.length, 8, c);
      List<int[]> seen = new ArrayList<>();
      List<ActiveLearning.Step> ucb = ActiveLearning.run(truth, sites, start, oracle(truth, c, seen),
          ActiveLearning.Acquisition.UCB, S, c);
      List<ActiveLearning.Step> rnd = ActiveLearning.run(truth, sites, start, oracle(truth, c, new ArrayList<>()),
          ActiveLearning.Acquisition.RANDOM, S, c);
      assertEquals(5, ucb.size());
      for (int i = 0; i < ucb.size(); i++) {
        assertEquals(i, ucb.get(i).round());
        assertEquals(8 + 8 * i, ucb.get(i).labelled());
        assertEquals(8 + 8 * i, Arrays.stream(seen.get(i)).distinct().count(), "no variant labelled twice");
        if (i > 0) {
          assertTrue(ucb.get(i).bestValue() >= ucb.get(i - 1).bestValue());
          // one pick per site per round
          int[] now = seen.get(i);
          int[] before = seen.get(i - 1);
          List<Integer> added = Arrays.stream(now).boxed().filter(x -> Arrays.stream(before).noneMatch(b -> b == x)).toList();
          assertEquals(8, added.stream().map(x -> x % 30).distinct().count());
        }
      }
      assertEquals(ucb.get(0), rnd.get(0), "same start");
      assertTrue(ucb.get(4).spearmanRemaining() > 0.5, "the oracle ranks the pool: " + ucb.get(4));
      ucbBest += ucb.get(4).bestQuantile() / campaigns;
      randomBest += rnd.get(4).bestQuantile() / campaigns;
    }
    // 40 random picks of 300 reach the ~0.975 quantile on average; the oracle-ish UCB the top few
    assertTrue(ucbBest > randomBest + 0.01 && ucbBest > 0.99, "UCB " + ucbBest + " vs random " + randomBest);
  }

  @Test
  void refusesAPoolTooSmallAndUcbWithoutAnSd() {
    List<List<Integer>> sites = new ArrayList<>();
    double[] truth = pool(new Random(1), sites);
    ActiveLearning.Learner noSd = (l, y) -> new ActiveLearning.Prediction(truth, null);
    assertThrows(IllegalArgumentException.class, () -> ActiveLearning.run(truth, sites, new int[] {0, 1}, noSd,
        ActiveLearning.Acquisition.UCB, S, 1));
    assertEquals(5, ActiveLearning.run(truth, sites, new int[] {0, 1}, noSd, ActiveLearning.Acquisition.GREEDY, S, 1).size());
    assertThrows(IllegalArgumentException.class, () -> ActiveLearning.run(Arrays.copyOf(truth, 50), sites.subList(0, 50),
        new int[] {0, 1}, noSd, ActiveLearning.Acquisition.GREEDY, S, 1));
  }
}
