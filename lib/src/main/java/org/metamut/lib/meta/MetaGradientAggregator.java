package org.metamut.lib.meta;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums the per-task results of one outer step: {@code add} sums a partition's tasks, {@code merge} sums partitions
 * (Spark's seqOp and combOp; both mutate and return {@code this}). Holds raw sums
 * only; means are taken in the getters, which refuse an empty or incomplete aggregate.
 *
 * <p><b>Deterministic whatever the partitioning.</b> Floating-point addition is not associative, so a plain
 * running sum would depend on which tasks share a partition and in which order partials are merged. Here
 * every meta-batch slot is a leaf of a fixed binary tree over slots {@code 0..slots-1}; a node's sum is
 * formed, as {@code left + right}, only once both children are complete (a child whose slots all lie past
 * the end counts as complete and empty). Since {@code a + b == b + a} exactly in IEEE arithmetic, the root
 * is the same bits for any partitioning, task order, merge order or tree depth. Scalars are kept per slot and
 * summed in slot order. A slot seen twice is an error (a result counted twice).
 *
 * <p>{@link #add} and {@link #merge} take ownership of the arrays they are given (no copies: a meta-gradient
 * is the size of θ).
 */
public final class MetaGradientAggregator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int dim;
  private final int slots;
  private final int rootLevel;
  /** Complete subtree sums by (level << 32 | index). */
  private final TreeMap<Long, double[]> nodes = new TreeMap<>();
  private final boolean[] seen;
  private final double[] preLoss;
  private final double[] postLoss;
  private final int[] examples;
  private final String[] devices;
  private int count;
  private int firstErrorSlot = -1;
  private String firstError;

  /**
   * @param dim   gradient length (0 for evaluation-only aggregates)
   * @param slots meta-batch size: results are expected for slots 0..slots-1
   */
  public MetaGradientAggregator(int dim, int slots) {
    if (dim < 0 || slots < 1) {
      throw new IllegalArgumentException("aggregator needs dim >= 0 and slots >= 1, got " + dim + ", " + slots);
    }
    this.dim = dim;
    this.slots = slots;
    int lvl = 0;
    while ((1L << lvl) < slots) {
      lvl++;
    }
    this.rootLevel = lvl;
    this.seen = new boolean[slots];
    this.preLoss = new double[slots];
    this.postLoss = new double[slots];
    this.examples = new int[slots];
    this.devices = new String[slots];
  }

  /** A fresh zero value. */
  public static MetaGradientAggregator zero(int dim, int slots) {
    return new MetaGradientAggregator(dim, slots);
  }

  /** seqOp: adds one task's result. */
  public MetaGradientAggregator add(TaskResult r) {
    int s = r.slot();
    if (s < 0 || s >= slots) {
      throw new IllegalArgumentException("task " + r.taskId() + " has slot " + s + " outside the meta-batch of " + slots);
    }
    if (seen[s]) {
      throw new IllegalStateException("meta-batch slot " + s + " (task " + r.taskId() + ") was added twice");
    }
    seen[s] = true;
    count++;
    devices[s] = r.device();
    if (r.failed()) {
      noteError(s, r.error());
      return this;
    }
    preLoss[s] = r.preLoss();
    postLoss[s] = r.postLoss();
    examples[s] = r.examples();
    if (dim > 0) {
      if (r.grad() == null || r.grad().length != dim) {
        throw new IllegalArgumentException("task " + r.taskId() + " has a gradient of "
            + (r.grad() == null ? "none" : r.grad().length + " values") + ", expected " + dim);
      }
      insert(0, s, r.grad());
    }
    return this;
  }

  /** combOp: merges another partial aggregate (same dim and slots) into this one. */
  public MetaGradientAggregator merge(MetaGradientAggregator o) {
    if (o.dim != dim || o.slots != slots) {
      throw new IllegalArgumentException("cannot merge aggregators of dim " + dim + "/" + slots + " slots and dim "
          + o.dim + "/" + o.slots + " slots");
    }
    if (o.count == 0) {
      return this;
    }
    for (int s = 0; s < slots; s++) {
      if (o.seen[s]) {
        if (seen[s]) {
          throw new IllegalStateException("meta-batch slot " + s + " appears in both partial aggregates");
        }
        seen[s] = true;
        preLoss[s] = o.preLoss[s];
        postLoss[s] = o.postLoss[s];
        examples[s] = o.examples[s];
        devices[s] = o.devices[s];
      }
    }
    count += o.count;
    if (o.firstError != null) {
      noteError(o.firstErrorSlot, o.firstError);
    }
    for (Map.Entry<Long, double[]> e : o.nodes.entrySet()) {
      insert((int) (e.getKey() >>> 32), (int) (long) e.getKey(), e.getValue());
    }
    return this;
  }

  private void noteError(int slot, String error) {
    if (firstError == null || slot < firstErrorSlot) {
      firstErrorSlot = slot;
      firstError = error;
    }
  }

  private static long key(int level, int index) {
    return ((long) level << 32) | (index & 0xffffffffL);
  }

  /** Inserts a complete subtree sum and combines upwards while siblings are complete. */
  private void insert(int level, int index, double[] sum) {
    while (level < rootLevel) {
      int sib = index ^ 1;
      long sibStart = (long) sib << level;
      int parent = index >>> 1;
      if (sibStart >= slots) {
        // the sibling covers no slots: the parent's sum is this node's
      } else {
        double[] other = nodes.remove(key(level, sib));
        if (other == null) {
          break;
        }
        double[] left = (index & 1) == 0 ? sum : other;
        double[] right = (index & 1) == 0 ? other : sum;
        for (int i = 0; i < dim; i++) {
          left[i] = left[i] + right[i];
        }
        sum = left;
      }
      level++;
      index = parent;
    }
    if (nodes.put(key(level, index), sum) != null) {
      throw new IllegalStateException("subtree " + level + "/" + index + " summed twice");
    }
  }

  public int dim() {
    return dim;
  }

  public int slots() {
    return slots;
  }

  /** Number of task results added (including failed ones). */
  public int count() {
    return count;
  }

  public boolean complete() {
    return count == slots;
  }

  /** The error of the failed task with the lowest slot, or null. */
  public String firstError() {
    return firstError;
  }

  /** Devices that computed each slot (null where no result came). */
  public String[] devices() {
    return devices.clone();
  }

  private void requireComplete() {
    if (firstError != null) {
      throw new IllegalStateException("a task failed: " + firstError);
    }
    if (count == 0) {
      throw new IllegalStateException("no task results were aggregated");
    }
    if (!complete()) {
      StringBuilder missing = new StringBuilder();
      for (int s = 0; s < slots; s++) {
        if (!seen[s]) {
          missing.append(missing.length() == 0 ? "" : ", ").append(s);
        }
      }
      throw new IllegalStateException("only " + count + " of " + slots + " task results arrived (missing slots " + missing + ")");
    }
  }

  /** Σ over tasks of the meta-gradients (a copy). */
  public double[] gradientSum() {
    requireComplete();
    if (dim == 0) {
      throw new IllegalStateException("this aggregate has no gradients (evaluation only)");
    }
    return nodes.get(key(rootLevel, 0)).clone();
  }

  /** The mean meta-gradient over the meta-batch. */
  public double[] meanGradient() {
    double[] g = gradientSum();
    for (int i = 0; i < g.length; i++) {
      g[i] /= slots;
    }
    return g;
  }

  public double meanPreLoss() {
    requireComplete();
    return orderedSum(preLoss) / slots;
  }

  public double meanPostLoss() {
    requireComplete();
    return orderedSum(postLoss) / slots;
  }

  public long totalExamples() {
    long s = 0;
    for (int e : examples) {
      s += e;
    }
    return s;
  }

  private static double orderedSum(double[] a) {
    double s = 0;
    for (double x : a) {
      s += x;
    }
    return s;
  }
}
