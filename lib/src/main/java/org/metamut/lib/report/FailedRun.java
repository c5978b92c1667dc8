package org.metamut.lib.report;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * A (task, method, k, seed) run that threw instead of producing a {@link ResultRecord}. The report lists it (its
 * own file and section) rather than dying with it, so one broken unit costs one row, not the whole evaluation; the
 * job still exits non-zero. {@code error}: the exception's class and message, on one line.
 */
public record FailedRun(String task, String family, String method, int k, long seed, String error)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Report order: as the result records (family, task, method, k, seed). */
  public static final Comparator<FailedRun> ORDER = Comparator.comparing(FailedRun::family)
      .thenComparing(FailedRun::task).thenComparing(FailedRun::method).thenComparingInt(FailedRun::k)
      .thenComparingLong(FailedRun::seed);

  public FailedRun {
    error = error == null ? "" : error.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  /** The failure of a run, from what it threw. */
  public static FailedRun of(String task, String family, String method, int k, long seed, Throwable t) {
    String msg = t.getMessage();
    return new FailedRun(task, family, method, k, seed, t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg));
  }

  /** One line naming the run's coordinates and what failed. */
  public String line() {
    return "failed run: task " + task + " (" + family + "), method " + method + ", k " + k + ", seed " + seed + ": "
        + error;
  }

  /** CSV header of {@code failed.csv}. */
  static List<String> header() {
    return List.of("task", "family", "method", "k", "seed", "error");
  }

  List<String> row() {
    return List.of(task, family, method, Integer.toString(k), Long.toString(seed), error);
  }
}
