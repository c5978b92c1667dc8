package org.metamut.jobs.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.metamut.jobs.data.EpisodeStore;
import org.metamut.lib.adapt.AdaptedModel;
import org.metamut.lib.adapt.Adapter;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.model.FlatModel;
import org.metamut.lib.model.ModelFactory;
import org.metamut.lib.model.TokenBatch;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Meta-val with the evaluation protocol: each fixed meta-val episode is adapted through {@link Adapter} (support-only
 * z-score, the recipe's steps and rate, as {@code evaluate} and {@code score} adapt) and its query set predicted.
 * Per episode: query Spearman (the selection metric, what users read) and query MSE before and after adaptation, both
 * on the support-z-scored scale (so tasks of any unit weigh alike). Episodes are scored on the executors, one Spark
 * task per (candidate recipe, episode); the driver averages in a fixed order, so the numbers do not depend on
 * partitioning.
 *
 * <p>The mean Spearman averages episodes within a task first, then tasks (a task with more episodes does not weigh
 * more). An undefined Spearman (constant predictions, e.g. a diverged adaptation predicting the support mean)
 * counts as 0: no ranking information.
 */
public final class MetaValidation {
  private MetaValidation() {
  }

  /** One candidate's result over the meta-val episodes. */
  public record Score(int tasks, int episodes, double spearman, double preMse, double postMse) {
  }

  private record Unit(int candidate, int episode) implements Serializable {
  }

  private record EpisodeScore(int candidate, int episode, double spearman, double preMse, double postMse)
      implements Serializable {
  }

  /** Scores every candidate adapter on the episodes {@code idx} of the broadcast store; results in candidate order. */
  public static List<Score> run(JavaSparkContext jsc, String runId, ModelFactory factory, Broadcast<EpisodeStore> store,
                         List<Adapter> candidates, int[] idx, boolean gpu) {
    Broadcast<List<Adapter>> bAd = jsc.broadcast(List.copyOf(candidates));
    try {
      List<Unit> units = new ArrayList<>();
      for (int c = 0; c < candidates.size(); c++) {
        for (int e : idx) {
          units.add(new Unit(c, e));
        }
      }
      int parts = Math.max(1, Math.min(jsc.defaultParallelism(), units.size()));
      List<EpisodeScore> scores = new ArrayList<>(jsc.parallelize(units, parts)
          .map(u -> score(runId, factory, gpu, bAd.value().get(u.candidate()), store.value().episode(u.episode()), u))
          .collect());
      scores.sort((a, b) -> a.candidate() != b.candidate() ? Integer.compare(a.candidate(), b.candidate())
          : Integer.compare(a.episode(), b.episode()));
      List<Score> out = new ArrayList<>();
      for (int c = 0; c < candidates.size(); c++) {
        final int cc = c;
        out.add(summarise(scores.stream().filter(s -> s.candidate() == cc).toList(), store.value()));
      }
      return out;
    } finally {
      bAd.destroy();
    }
  }

  private static EpisodeScore score(String runId, ModelFactory factory, boolean gpu, Adapter adapter,
                                    EpisodeStore.Episode e, Unit u) {
    String device = GpuBinding.bind(gpu);
    FlatModel model = ExecutorCache.model(runId, device, factory);
    int t = e.seqLen();
    List<EncodedVariant> support = rows(e.supportIds(), e.supportFlags(), e.supportSites(), e.supportY().length, t);
    List<EncodedVariant> query = rows(e.queryIds(), e.queryFlags(), e.querySites(), e.queryY().length, t);
    AdaptedModel a = adapter.adapt(model, support, e.supportY(), t);
    double[] pred = a.predict(model, query);
    double[] zTrue = a.targets().transform(e.queryY());
    double[] zPred = a.targets().transform(pred);
    double[] zBefore = model.predict(adapter.theta(), new TokenBatch(query.size(), t, e.queryIds(), e.queryFlags(), null));
    double rho = Metrics.spearman(e.queryY(), pred);
    return new EpisodeScore(u.candidate(), u.episode(), Double.isFinite(rho) ? rho : 0, mse(zTrue, zBefore),
        mse(zTrue, zPred));
  }

  /**
   * The episode's padded rows back as encoded variants (padding included: batching them again is the identity), with
   * their site keys when the episode has them.
   */
  private static List<EncodedVariant> rows(int[] ids, byte[] flags, long[][] sites, int n, int t) {
    List<EncodedVariant> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new EncodedVariant(Arrays.copyOfRange(ids, i * t, (i + 1) * t),
          flags == null ? null : Arrays.copyOfRange(flags, i * t, (i + 1) * t), sites == null ? null : sites[i]));
    }
    return out;
  }

  private static double mse(double[] y, double[] p) {
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      s += (y[i] - p[i]) * (y[i] - p[i]);
    }
    return s / y.length;
  }

  /** Means as the class doc says: Spearman per task first; MSEs over episodes. */
  private static Score summarise(List<EpisodeScore> scores, EpisodeStore store) {
    Map<String, double[]> byTask = new LinkedHashMap<>(); // task -> {sum, count}
    double pre = 0;
    double post = 0;
    for (EpisodeScore s : scores) {
      byTask.computeIfAbsent(store.episode(s.episode()).taskId(), k -> new double[2]);
      double[] a = byTask.get(store.episode(s.episode()).taskId());
      a[0] += s.spearman();
      a[1]++;
      pre += s.preMse();
      post += s.postMse();
    }
    double rho = 0;
    for (double[] a : byTask.values()) {
      rho += a[0] / a[1];
    }
    int n = scores.size();
    return new Score(byTask.size(), n, rho / byTask.size(), pre / n, post / n);
  }

  /**
   * The episodes meta-val uses: the first {@code episodesPerTask} episodes of each of the first {@code maxTasks}
   * meta-val tasks (the store is sorted by task, then episode), the same every time.
   */
  public static int[] episodes(EpisodeStore store, int maxTasks, int episodesPerTask) {
    Map<String, List<Integer>> byTask = new LinkedHashMap<>();
    for (int i : store.valIndices()) {
      String task = store.episode(i).taskId();
      if (byTask.containsKey(task) || byTask.size() < maxTasks) {
        List<Integer> l = byTask.computeIfAbsent(task, k -> new ArrayList<>());
        if (l.size() < episodesPerTask) {
          l.add(i);
        }
      }
    }
    return byTask.values().stream().flatMap(List::stream).mapToInt(Integer::intValue).toArray();
  }

  /** Number of distinct meta-val tasks in the store. */
  static long valTasks(EpisodeStore store) {
    return Arrays.stream(store.valIndices()).mapToObj(i -> store.episode(i).taskId()).distinct().count();
  }
}
