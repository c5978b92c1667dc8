package org.metamut.lib.report;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.metamut.lib.metrics.Metric;

/**
 * A number summarised per (family, method, k): one of the {@link Metric}s, or a time —
 * {@code adapt_seconds}, {@code train_seconds} and {@code total_seconds} (their sum), lower is better.
 */
public record Quantity(String key, Metric metric, boolean higherIsBetter, boolean undefinedAsZero) {

  public static final Quantity ADAPT_SECONDS = new Quantity("adapt_seconds", null, false, false);
  public static final Quantity TRAIN_SECONDS = new Quantity("train_seconds", null, false, false);
  public static final Quantity TOTAL_SECONDS = new Quantity("total_seconds", null, false, false);

  public static Quantity of(Metric m) {
    return new Quantity(m.key(), m, m.higherIsBetter(), m.undefinedAsZero());
  }

  /** Metrics present in any record (in {@link Metric} order), then the three times. */
  public static List<Quantity> present(List<ResultRecord> records) {
    Set<Metric> seen = EnumSet.noneOf(Metric.class);
    for (ResultRecord r : records) {
      seen.addAll(r.metrics().keySet());
    }
    List<Quantity> out = new ArrayList<>();
    for (Metric m : seen) {
      out.add(of(m));
    }
    out.add(ADAPT_SECONDS);
    out.add(TRAIN_SECONDS);
    out.add(TOTAL_SECONDS);
    return out;
  }

  /** This quantity of {@code r}: null when absent, NaN when undefined. */
  public Double value(ResultRecord r) {
    if (metric != null) {
      return r.metric(metric);
    }
    return switch (key) {
      case "adapt_seconds" -> r.adaptSeconds();
      case "train_seconds" -> r.trainSeconds();
      case "total_seconds" -> r.adaptSeconds() + r.trainSeconds();
      default -> throw new IllegalStateException("unknown quantity " + key);
    };
  }
}
