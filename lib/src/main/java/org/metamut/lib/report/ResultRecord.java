package org.metamut.lib.report;

import java.io.Serializable;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.metamut.lib.metrics.Metric;

/**
 * One evaluation run: {@code method} adapted on {@code k} labelled support variants of {@code task}
 * (property {@code family}) with {@code seed}, scored on the task's query variants.
 *
 * <p>{@code metrics}: the metrics computed for this run (absent = not applicable, e.g. accuracy of a
 * regression task; NaN = undefined, e.g. a correlation of constant predictions). {@code adaptSeconds}: wall
 * time to obtain the task model from the support set (fitting, fine-tuning or inner-loop adaptation,
 * including any support-only selection). {@code trainSeconds}: task-independent training charged to the
 * method before it sees the task (e.g. meta-training; 0 for methods without it) — the same number on every
 * record of the method when it is a one-off cost.
 *
 * <p>{@code group}: the task's resampling unit for the bootstrap ({@link Summary}): tasks of one protein group (e.g.
 * several assays of one protein) share it, so they are drawn together rather than as independent tasks. Null in the
 * constructor means the task is its own group ({@code family/task}).
 */
public record ResultRecord(String task, String family, String method, int k, long seed, Map<Metric, Double> metrics,
    double adaptSeconds, double trainSeconds, String group) implements Serializable {

  /** A record whose task is its own bootstrap group. */
  public ResultRecord(String task, String family, String method, int k, long seed, Map<Metric, Double> metrics,
      double adaptSeconds, double trainSeconds) {
    this(task, family, method, k, seed, metrics, adaptSeconds, trainSeconds, null);
  }

  public ResultRecord {
    requireName("task", task);
    requireName("family", family);
    requireName("method", method);
    String where = "result " + family + "/" + task + "/" + method + " k=" + k + " seed=" + seed;
    if (k < 0) {
      throw new IllegalArgumentException(where + ": k must be >= 0");
    }
    if (!(adaptSeconds >= 0) || !Double.isFinite(adaptSeconds) || !(trainSeconds >= 0) || !Double.isFinite(trainSeconds)) {
      throw new IllegalArgumentException(where + ": seconds must be finite and >= 0, got adapt=" + adaptSeconds
          + " train=" + trainSeconds);
    }
    EnumMap<Metric, Double> copy = new EnumMap<>(Metric.class);
    for (Map.Entry<Metric, Double> e : metrics.entrySet()) {
      Double v = e.getValue();
      if (v == null || Double.isInfinite(v)) {
        throw new IllegalArgumentException(where + ": metric " + e.getKey().key() + " is " + v + " (NaN marks undefined)");
      }
      copy.put(e.getKey(), v);
    }
    metrics = Collections.unmodifiableMap(copy);
    group = group == null || group.isBlank() ? family + "/" + task : group;
  }

  /** The same run in bootstrap group {@code g}. */
  public ResultRecord withGroup(String g) {
    return new ResultRecord(task, family, method, k, seed, metrics, adaptSeconds, trainSeconds, g);
  }

  /** The value of {@code m}, or null when this run has no such metric. */
  public Double metric(Metric m) {
    return metrics.get(m);
  }

  /** The identity of a run: equal keys in one report are an error. */
  String key() {
    return family + "\u0000" + task + "\u0000" + method + "\u0000" + k + "\u0000" + seed;
  }

  private static void requireName(String what, String v) {
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("result record needs a non-blank " + what + ", got '" + v + "'");
    }
  }
}
