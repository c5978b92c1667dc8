package org.metamut.lib.suggest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.metamut.lib.metrics.Metrics;

/**
 * One simulated active-learning campaign on a task whose every value is known (the held-out labels play the lab):
 * start from a labelled set, then {@code rounds} times fit the learner on what is labelled, pick {@code batch} more
 * variants of the pool and "measure" them. After the start and after each round it records the best true value found
 * so far (and its quantile in the whole pool) and the Spearman correlation of the learner's predictions with the true
 * values of the variants still unlabelled.
 *
 * <p>Acquisitions: {@link Acquisition#UCB} and {@link Acquisition#GREEDY} pick through {@link UcbSuggester} (β and
 * the per-site rule; greedy is β = 0, by the mean alone, under the same diversity rule); {@link Acquisition#RANDOM}
 * picks uniformly among the unlabelled variants with the campaign's seed.
 */
public final class ActiveLearning {
  private ActiveLearning() {
  }

  /** How the next batch is chosen. */
  public enum Acquisition { UCB, GREEDY, RANDOM }

  /** A model refitted from the labelled pool variants, predicting every pool variant. */
  @FunctionalInterface
  public interface Learner {
    /**
     * @param labelled pool indices with labels
     * @param labels   their true values
     * @return predictions for every pool index (the SD may be null when the learner has none)
     */
    Prediction fit(int[] labelled, double[] labels);
  }

  /** Predictive mean (and SD, or null) of every pool variant. */
  public record Prediction(double[] mean, double[] sd) {
  }

  /**
   * The campaign's shape.
   *
   * @param start   labelled variants to begin with (>= 2)
   * @param rounds  rounds of picks (>= 1)
   * @param batch   picks per round (>= 1)
   * @param beta    UCB weight of the SD
   * @param perSite most picks per site in one round
   */
  public record Settings(int start, int rounds, int batch, double beta, int perSite) implements java.io.Serializable {
    public Settings {
      if (start < 2 || rounds < 1 || batch < 1) {
        throw new IllegalArgumentException("active learning needs start >= 2, rounds >= 1 and batch >= 1, got " + start
            + ", " + rounds + ", " + batch);
      }
      new UcbSuggester(beta, perSite); // validates
    }

    /** Pool variants a campaign needs: the labelled ones at the end plus at least as many left to rank. */
    public int minPool() {
      return 2 * (start + rounds * batch);
    }
  }

  /** After the start (round 0) or a round: how many are labelled, the best true value among them, ranking quality. */
  public record Step(int round, int labelled, double bestValue, double bestQuantile, double spearmanRemaining) {
  }

  /** The first {@code start} indices of a seeded shuffle of the pool: the common starting set of every strategy. */
  public static int[] startSet(int poolSize, int start, long seed) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < poolSize; i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed));
    return idx.subList(0, start).stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Runs one campaign.
   *
   * @param truth every pool variant's true value
   * @param sites every pool variant's mutated positions (the diversity rule)
   * @param start the starting labelled indices
   * @param seed  the random acquisition's seed
   */
  public static List<Step> run(double[] truth, List<List<Integer>> sites, int[] start, Learner learner,
                               Acquisition acquisition, Settings s, long seed) {
    if (sites.size() != truth.length) {
      throw new IllegalArgumentException(truth.length + " values but " + sites.size() + " site lists");
    }
    if (truth.length < s.minPool()) {
      throw new IllegalArgumentException("a pool of " + truth.length + " variants is too small for " + s + " (needs "
          + s.minPool() + ")");
    }
    boolean[] isLabelled = new boolean[truth.length];
    List<Integer> labelled = new ArrayList<>();
    for (int i : start) {
      if (!isLabelled[i]) {
        isLabelled[i] = true;
        labelled.add(i);
      }
    }
    double[] sorted = truth.clone();
    Arrays.sort(sorted);
    Random random = new Random(seed);
    UcbSuggester rule = new UcbSuggester(acquisition == Acquisition.GREEDY ? 0 : s.beta(), s.perSite());
    List<Step> steps = new ArrayList<>();
    for (int round = 0; ; round++) {
      int[] lab = labelled.stream().mapToInt(Integer::intValue).toArray();
      double[] y = Arrays.stream(lab).mapToDouble(i -> truth[i]).toArray();
      Prediction p = learner.fit(lab, y);
      steps.add(step(round, truth, sorted, lab, isLabelled, p.mean()));
      if (round == s.rounds()) {
        return steps;
      }
      for (int i : pick(acquisition, rule, p, sites, isLabelled, s.batch(), random)) {
        isLabelled[i] = true;
        labelled.add(i);
      }
    }
  }

  private static List<Integer> pick(Acquisition acquisition, UcbSuggester rule, Prediction p, List<List<Integer>> sites,
                                    boolean[] isLabelled, int batch, Random random) {
    List<Integer> remaining = new ArrayList<>();
    for (int i = 0; i < isLabelled.length; i++) {
      if (!isLabelled[i]) {
        remaining.add(i);
      }
    }
    if (acquisition == Acquisition.RANDOM) {
      Collections.shuffle(remaining, random);
      return remaining.subList(0, Math.min(batch, remaining.size()));
    }
    if (acquisition == Acquisition.UCB && p.sd() == null) {
      throw new IllegalArgumentException("UCB acquisition needs a learner with a predictive SD");
    }
    List<UcbSuggester.Candidate> c = new ArrayList<>(remaining.size());
    for (int i : remaining) {
      double sd = acquisition == Acquisition.UCB ? p.sd()[i] : 0;
      c.add(new UcbSuggester.Candidate(i, Integer.toString(i), Integer.toString(i), sites.get(i), p.mean()[i], sd));
    }
    return UcbSuggester.picks(rule.suggest(c, java.util.Set.of(), batch)).stream()
        .map(x -> (int) x.candidate().id()).toList();
  }

  private static Step step(int round, double[] truth, double[] sorted, int[] lab, boolean[] isLabelled, double[] mean) {
    double best = Double.NEGATIVE_INFINITY;
    for (int i : lab) {
      best = Math.max(best, truth[i]);
    }
    int atOrBelow = upperBound(sorted, best);
    int m = truth.length - lab.length;
    double[] yr = new double[m];
    double[] pr = new double[m];
    int j = 0;
    for (int i = 0; i < truth.length; i++) {
      if (!isLabelled[i]) {
        yr[j] = truth[i];
        pr[j++] = mean[i];
      }
    }
    return new Step(round, lab.length, best, atOrBelow / (double) truth.length, Metrics.spearman(yr, pr));
  }

  /** Number of values {@code <= v} in the sorted array. */
  private static int upperBound(double[] sorted, double v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
