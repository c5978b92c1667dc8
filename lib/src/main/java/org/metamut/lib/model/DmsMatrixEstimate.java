package org.metamut.lib.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The starting value of a model's {@code sub.dms} table ({@link SubstitutionBlock}): for each substitution wt → mt,
 * the mean effect of that single substitution over the training tasks that measured it, each task weighing the same
 * however many variants it has.
 *
 * <p>Per task, labels are z-scored over the task's single substitutions (so assays in different units meet on one
 * scale; higher is better, as every label in the tables), and each substitution's labels are averaged. Across tasks
 * the estimate is {@code Σ_tasks mean / (tasks + }{@value #PRIOR_TASKS}{@code )}: shrunk towards 0 as if
 * {@value #PRIOR_TASKS} more tasks had measured no effect, so a substitution seen in one assay does not get that
 * assay's value at full weight. Multi-mutants are left out: their effect is not one substitution's.
 *
 * <p>Only training tasks may be added: the table is part of the model, and held-out tasks' labels in it would leak.
 */
public final class DmsMatrixEstimate {
  /** Pseudo-tasks of zero effect each entry is shrunk with. */
  public static final double PRIOR_TASKS = 2.0;

  private static final int N = SubstitutionBlock.RESIDUES.length();

  private final Map<String, Task> tasks = new LinkedHashMap<>();

  private static final class Task {
    double[] sum = new double[N * N];
    int[] count = new int[N * N];
    double total;
    double totalSquares;
    int n;
  }

  /**
   * One single-substitution variant of {@code task} with label {@code y}; residues outside the 20 standard ones are
   * skipped (returns false).
   */
  public boolean add(String task, char wt, char mt, double y) {
    int w = SubstitutionBlock.RESIDUES.indexOf(wt);
    int m = SubstitutionBlock.RESIDUES.indexOf(mt);
    return w >= 0 && m >= 0 && add(task, w * N + m, y);
  }

  /** {@link #add(String, char, char, double)} by {@code sub.dms} index (wt · 20 + mt). */
  private boolean add(String task, int pair, double y) {
    if (pair / N == pair % N || !Double.isFinite(y)) {
      return false;
    }
    Task t = tasks.computeIfAbsent(task, k -> new Task());
    t.sum[pair] += y;
    t.count[pair]++;
    t.total += y;
    t.totalSquares += y * y;
    t.n++;
    return true;
  }

  /** Every example of {@code batch} that carries exactly one {@code wt SEP mt} group, labelled by the batch's targets. */
  public void addSingles(String task, TokenBatch batch) {
    int t = batch.seqLen();
    int[] ids = batch.ids();
    for (int b = 0; b < batch.batchSize(); b++) {
      int groups = 0;
      int sep = -1;
      for (int i = 1; i + 1 < t; i++) {
        if (ids[b * t + i] == TokenBatch.SITE_MARKER) {
          groups++;
          sep = i;
        }
      }
      int pair = groups == 1 ? SubstitutionBlock.pairAt(ids, b * t, sep) : -1;
      if (pair >= 0) {
        add(task, pair, batch.targets()[b]);
      }
    }
  }

  /** Tasks with at least one single substitution. */
  public int tasks() {
    return tasks.size();
  }

  /** Single substitutions added, over all tasks. */
  public long singles() {
    return tasks.values().stream().mapToLong(t -> t.n).sum();
  }

  /**
   * The table, row-major [wt][mt] over {@link SubstitutionBlock#RESIDUES} (the layout of {@code sub.dms}); 0 where no
   * task measured a substitution, and on the diagonal. A task whose singles all have one label adds nothing.
   */
  public double[] matrix() {
    double[] sum = new double[N * N];
    double[] measured = new double[N * N];
    for (Task t : tasks.values()) {
      double mean = t.total / t.n;
      double var = t.totalSquares / t.n - mean * mean;
      if (t.n < 2 || !(var > 1e-12)) {
        continue;
      }
      double sd = Math.sqrt(var);
      for (int p = 0; p < N * N; p++) {
        if (t.count[p] > 0) {
          sum[p] += (t.sum[p] / t.count[p] - mean) / sd;
          measured[p]++;
        }
      }
    }
    double[] out = new double[N * N];
    for (int p = 0; p < N * N; p++) {
      out[p] = sum[p] / (measured[p] + PRIOR_TASKS);
    }
    return out;
  }

  /** Entries some task measured. */
  public int measuredEntries() {
    boolean[] seen = new boolean[N * N];
    for (Task t : tasks.values()) {
      for (int p = 0; p < N * N; p++) {
        seen[p] |= t.count[p] > 0;
      }
    }
    int n = 0;
    for (boolean b : seen) {
      n += b ? 1 : 0;
    }
    return n;
  }

  @Override
  public String toString() {
    return "DMS matrix estimate from " + tasks() + " tasks, " + singles() + " single substitutions, "
        + measuredEntries() + " of " + (N * (N - 1)) + " substitutions measured";
  }
}
