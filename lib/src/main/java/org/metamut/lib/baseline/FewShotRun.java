package org.metamut.lib.baseline;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.metamut.lib.metrics.Calibration;
import org.metamut.lib.metrics.Metric;
import org.metamut.lib.metrics.Metrics;
import org.metamut.lib.report.ResultRecord;

/**
 * One few-shot run of a {@link Baseline} on one episode: fit on the support set (timed: the record's
 * {@code adaptSeconds}; {@code trainSeconds} is 0, baselines have no pre-training), predict the query set,
 * score it (with the calibration metrics when the predictor has a predictive SD, {@link Calibration}). Refuses
 * an episode whose query shares a variant with its support (leakage).
 */
public final class FewShotRun {

  private FewShotRun() {}

  /** Regression metrics (Spearman, Pearson, RMSE, R²). */
  public static ResultRecord regression(Baseline baseline, String task, String family, long seed,
      List<LabelledVariant> support, List<LabelledVariant> query) {
    return run(baseline, task, family, seed, support, query, false);
  }

  /**
   * Regression metrics plus accuracy for ordinal class tasks whose values are integer class codes (e.g.
   * −1/0/1): predictions are mapped to the nearest class code seen in the support set.
   */
  public static ResultRecord classes(Baseline baseline, String task, String family, long seed,
      List<LabelledVariant> support, List<LabelledVariant> query) {
    return run(baseline, task, family, seed, support, query, true);
  }

  private static ResultRecord run(Baseline baseline, String task, String family, long seed,
      List<LabelledVariant> support, List<LabelledVariant> query, boolean classes) {
    String where = "task " + task + " (" + baseline.name() + ", seed " + seed + ")";
    Set<String> supportKeys = new HashSet<>();
    support.forEach(l -> supportKeys.add(key(l.variant())));
    for (LabelledVariant q : query) {
      if (supportKeys.contains(key(q.variant()))) {
        throw new IllegalArgumentException(where + ": query variant " + q.variant().label() + " is also in the support set");
      }
    }
    List<Variant> queryVariants = query.stream().map(LabelledVariant::variant).toList();
    double[] y = query.stream().mapToDouble(LabelledVariant::y).toArray();
    long t0 = System.nanoTime();
    Predictor predictor = baseline.fit(support);
    double adaptSeconds = (System.nanoTime() - t0) / 1e9;
    double[] p = predictor.predict(queryVariants);
    Map<Metric, Double> metrics = new EnumMap<>(Metrics.regression(y, p));
    Calibration.addTo(metrics, y, p, predictor.predictiveSd(queryVariants));
    if (classes) {
      int[] codes = support.stream().mapToInt(l -> classCode(l.y(), where)).toArray();
      int[] truth = query.stream().mapToInt(l -> classCode(l.y(), where)).toArray();
      metrics.put(Metric.ACCURACY, Metrics.accuracy(truth, Metrics.nearestClass(p, codes)));
    }
    return new ResultRecord(task, family, baseline.name(), support.size(), seed, metrics, adaptSeconds, 0.0);
  }

  private static int classCode(double y, String where) {
    if (y != Math.rint(y)) {
      throw new IllegalArgumentException(where + ": class value " + y + " is not an integer class code");
    }
    return (int) y;
  }

  /** Wild type + sorted mutations: the identity of a variant whatever the order its mutations were listed in. */
  private static String key(Variant v) {
    return v.wildType() + "|" + new TreeSet<>(v.mutations());
  }
}
