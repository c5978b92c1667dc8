package org.metamut.jobs.data;

import org.metamut.lib.baseline.Standardizer;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.meta.MetaTask;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.mutation.Mutation;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Every labelled variant of the meta-train tasks, compact, for <b>fresh episodes</b>: each (outer step, meta-batch
 * slot, task) draws its own support and query sets from all of the task's variants ({@link #draw}). Built once on
 * the driver ({@link VariantPoolLoader}), broadcast once, kept by each executor for the run.
 *
 * <p>Why compact and not encoded: encoded tokens cost 5·T bytes a variant (≈ 320 B at T = 64, 180 MB for the
 * bundled 575k variants, growing with every added source), while a variant's mutations, protein and label cost
 * ≈ 20 B (≈ 12 MB). A draw encodes only its own 2·k variants against each variant's own protein (pooled tasks mix
 * proteins), on the executor: microseconds next to a model call of tens of milliseconds.
 *
 * <p>Determinism: a draw is a pure function of (seed, step, slot, task) and the pool, which is ordered by (task id,
 * variant id); so the meta-batch does not depend on partitioning, executor or retries.
 *
 * <p>Targets: z-scored over the drawn <b>support</b> set (support and query with the support's mean and sample SD),
 * exactly as {@link org.metamut.lib.adapt.Adapter} does at evaluation: the learner is trained on the labels it will
 * see when used. (The table's per-task {@code y} is an affine map of {@code value} per task, so this is the same
 * whichever of the two is stored.) One guard: the support's SD is floored at {@link #SCALE_FLOOR} × the task's SD over
 * all its variants. A draw whose support happens to be near-constant (a task where most variants score like the wild
 * type) would otherwise divide the query by ~0 and give one step a loss of 10^30 that clipping alone cannot make
 * useful; the floor leaves ordinary draws unchanged (their support SD is close to the task's) and keeps such a draw's
 * targets on the scale of the task.
 */
public final class VariantPool implements Serializable {
  private static final long serialVersionUID = 1L;

  private final EncoderSpec encoder;
  private final String[] proteins;      // sequences, indexed by protein index
  private final String[] tasks;         // meta-train task ids, sorted
  private final int[] taskStart;        // variants of task t: [taskStart[t], taskStart[t + 1])
  private final int[] supportSize;
  private final int[] querySize;
  private final int[] protein;          // per variant
  private final int[] mutStart;         // mutations of variant v: [mutStart[v], mutStart[v + 1])
  private final int[] pos;              // per mutation, 1-based
  private final byte[] wt;
  private final byte[] mt;
  private final double[] y;             // per variant
  private final double[] scaleFloor;    // per task: SCALE_FLOOR × the SD of its labels
  private final int[] drawnSupportSizes; // empty: each task's own supportSize

  /** The floor of a drawn support's SD, as a fraction of the task's SD (see the class note on targets). */
  public static final double SCALE_FLOOR = 0.25;

  VariantPool(EncoderSpec encoder, String[] proteins, String[] tasks, int[] taskStart, int[] supportSize,
              int[] querySize, int[] protein, int[] mutStart, int[] pos, byte[] wt, byte[] mt, double[] y) {
    if (tasks.length == 0) {
      throw new IllegalArgumentException("fresh episodes: no meta-train task has enough variants to draw from");
    }
    this.encoder = encoder;
    this.proteins = proteins;
    this.tasks = tasks;
    this.taskStart = taskStart;
    this.supportSize = supportSize;
    this.querySize = querySize;
    this.protein = protein;
    this.mutStart = mutStart;
    this.pos = pos;
    this.wt = wt;
    this.mt = mt;
    this.y = y;
    this.scaleFloor = new double[tasks.length];
    for (int t = 0; t < tasks.length; t++) {
      double[] all = Arrays.copyOfRange(y, taskStart[t], taskStart[t + 1]);
      scaleFloor[t] = SCALE_FLOOR * Standardizer.fit(all).scale();
    }
    this.drawnSupportSizes = new int[0];
  }

  /** {@code p} drawing its support sizes from {@code sizes} ({@link #withSupportSizes}). */
  private VariantPool(VariantPool p, int[] sizes) {
    this.encoder = p.encoder;
    this.proteins = p.proteins;
    this.tasks = p.tasks;
    this.taskStart = p.taskStart;
    this.supportSize = p.supportSize;
    this.querySize = p.querySize;
    this.protein = p.protein;
    this.mutStart = p.mutStart;
    this.pos = p.pos;
    this.wt = p.wt;
    this.mt = p.mt;
    this.y = p.y;
    this.scaleFloor = p.scaleFloor;
    for (int s : sizes) {
      if (s < 1) {
        throw new IllegalArgumentException("fresh episodes: support sizes must be >= 1, got " + s);
      }
    }
    this.drawnSupportSizes = sizes.clone();
  }

  /** Feeds every single-substitution variant of every task, with its label, to {@code estimate}. */
  public void addSingles(org.metamut.lib.model.DmsMatrixEstimate estimate) {
    for (int t = 0; t < tasks.length; t++) {
      for (int v = taskStart[t]; v < taskStart[t + 1]; v++) {
        if (mutStart[v + 1] - mutStart[v] == 1) {
          estimate.add(tasks[t], (char) wt[mutStart[v]], (char) mt[mutStart[v]], y[v]);
        }
      }
    }
  }

  public int tasks() {
    return tasks.length;
  }

  public String taskId(int t) {
    return tasks[t];
  }

  /** Variants of task {@code t}. */
  public int variants(int t) {
    return taskStart[t + 1] - taskStart[t];
  }

  /** Variants of every task. */
  public int variants() {
    return taskStart[tasks.length];
  }

  public int supportSize(int t) {
    return supportSize[t];
  }

  /**
   * This pool drawing each (step, slot, task)'s support size uniformly from {@code sizes} (empty: each task's own),
   * capped at what the task holds beside its query. The size comes from its own random stream, so the variants drawn
   * with the tasks' own sizes are unchanged.
   */
  public VariantPool withSupportSizes(java.util.List<Integer> sizes) {
    return new VariantPool(this, sizes.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The support size of the draw of task {@code t} in slot {@code slot} of step {@code step}. */
  public int drawnSupportSize(long seed, long step, int slot, int t) {
    if (drawnSupportSizes.length == 0) {
      return supportSize[t];
    }
    SplittableRandom r = new SplittableRandom(mix(seed ^ SIZE_STREAM, step, slot, tasks[t].hashCode()));
    return Math.min(drawnSupportSizes[r.nextInt(drawnSupportSizes.length)], variants(t) - querySize[t]);
  }

  private static final long SIZE_STREAM = 0x5BE0CD19137E2179L;

  public int querySize(int t) {
    return querySize[t];
  }

  public EncoderSpec encoder() {
    return encoder;
  }

  /** Task indices 0..tasks()−1 (what {@link MetaBatchSampler} draws the meta-batch from). */
  public int[] taskIndices() {
    int[] a = new int[tasks.length];
    Arrays.setAll(a, i -> i);
    return a;
  }

  /**
   * The fresh episode of task {@code t} in meta-batch slot {@code slot} of outer step {@code step}: support and query
   * (disjoint, uniformly without replacement from the task's variants), encoded, targets z-scored over the support.
   * Its task id is {@code "<task>#fresh"}.
   */
  public MetaTask draw(long seed, long step, int slot, int t) {
    int[] picked = sample(seed, step, slot, t);
    int s = drawnSupportSize(seed, step, slot, t);
    int q = querySize[t];
    Encoder enc = Encoder.of(encoder);
    List<EncodedVariant> sv = new ArrayList<>(s);
    List<EncodedVariant> qv = new ArrayList<>(q);
    double[] sy = new double[s];
    double[] qy = new double[q];
    for (int i = 0; i < s + q; i++) {
      int v = picked[i];
      EncodedVariant e = encode(enc, v);
      if (i < s) {
        sv.add(e);
        sy[i] = y[v];
      } else {
        qv.add(e);
        qy[i - s] = y[v];
      }
    }
    Standardizer fitted = Standardizer.fit(sy);
    Standardizer z = new Standardizer(fitted.mean(), Math.max(fitted.scale(), scaleFloor[t]));
    TokenBatch support = EncodedVariant.toBatch(sv, z.transform(sy), encoder.maxTokens());
    TokenBatch query = EncodedVariant.toBatch(qv, z.transform(qy), encoder.maxTokens());
    return new MetaTask(slot, tasks[t] + "#fresh", support, query);
  }

  /**
   * Variant indices (into the pool) of the draw: the first {@link #drawnSupportSize} are the support set, the next
   * {@code querySize(t)} the query set. Sequential rejection sampling: 2·k ≪ n for the tasks of interest, and it
   * needs no O(n) scratch array per draw (GB1 alone has 150k variants).
   */
  int[] sample(long seed, long step, int slot, int t) {
    int n = variants(t);
    int k = drawnSupportSize(seed, step, slot, t) + querySize[t];
    SplittableRandom r = new SplittableRandom(mix(seed, step, slot, tasks[t].hashCode()));
    int[] out = new int[k];
    java.util.HashSet<Integer> seen = new java.util.HashSet<>(2 * k);
    for (int i = 0; i < k; i++) {
      int v;
      do {
        v = r.nextInt(n);
      } while (!seen.add(v));
      out[i] = taskStart[t] + v;
    }
    return out;
  }

  /** A 64-bit seed from (seed, step, slot, task): SplitMix64's finaliser over each part in turn. */
  static long mix(long seed, long step, int slot, int taskHash) {
    long h = fmix(seed ^ 0x6A09E667F3BCC909L);
    h = fmix(h ^ step);
    h = fmix(h ^ slot);
    return fmix(h ^ taskHash);
  }

  private static long fmix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Variant {@code v} encoded against its own protein. */
  EncodedVariant encode(Encoder enc, int v) {
    return encode(enc, proteins[protein[v]], pos, wt, mt, mutStart[v], mutStart[v + 1]);
  }

  /** The variant whose mutations are {@code [from, to)} of the arrays, encoded against {@code wildType}. */
  static EncodedVariant encode(Encoder enc, String wildType, int[] pos, byte[] wt, byte[] mt, int from, int to) {
    List<Mutation> muts = new ArrayList<>(to - from);
    for (int m = from; m < to; m++) {
      muts.add(new Mutation(pos[m], (char) wt[m], (char) mt[m]));
    }
    return enc.encode(wildType, muts);
  }

  /** Approximate size in bytes (the broadcast's), for the log. */
  public long bytes() {
    return 4L * (protein.length + mutStart.length + pos.length) + wt.length + mt.length + 8L * y.length
        + Arrays.stream(proteins).mapToLong(String::length).sum();
  }
}
