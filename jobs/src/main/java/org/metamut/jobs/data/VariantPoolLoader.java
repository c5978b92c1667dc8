package org.metamut.jobs.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

/**
 * Builds the {@link VariantPool} of a run from the ingest job's {@code variants/} table: the rows of the meta-train
 * tasks (those of the fixed meta-train episodes), minus rows whose protein (or its overlap group) is held out in
 * meta-val or meta-test. That second filter matters for pooled tasks ({@code <source>/pooled}), which are meta-train
 * but mix proteins: under leave-one-protein-out their rows of held-out groups belong to the derived held-out tasks
 * ({@link HeldOutPools}), so every protein whose {@code split} in {@code proteins/} is meta-val or meta-test is left
 * out, whether or not its rows were sampled into an episode.
 *
 * <p>Rows stream to the driver in (task id, variant id) order ({@code toLocalIterator}: one partition at a time, so
 * the driver never holds the rows, only the compact arrays). Each variant is encoded once here, to fail early: one
 * that cannot be encoded (e.g. more sites than the token budget) is left out and counted in the log line.
 */
public final class VariantPoolLoader {
  private VariantPoolLoader() {
  }

  /** Support and query sizes of a fresh draw of a task: those of its fixed meta-train episodes. */
  public record Shape(int support, int query) {
  }

  /**
   * The pool of the meta-train tasks of {@code store} (its fixed episodes), each drawn in the shape of its fixed
   * episodes: what meta-training, and joint pre-training of the fine-tuning baseline, draw fresh episodes from.
   */
  public static VariantPool forTrainEpisodes(SparkSession spark, String variantsDir, String episodesDir,
                                             String proteinsDir, EncoderSpec encoderSpec, EpisodeStore store,
                                             Consumer<String> say) {
    Map<String, Shape> shapes = new java.util.TreeMap<>();
    for (int i : store.trainIndices()) {
      EpisodeStore.Episode e = store.episode(i);
      shapes.putIfAbsent(e.taskId(), new Shape(e.supportY().length, e.queryY().length));
    }
    return load(spark, variantsDir, episodesDir, proteinsDir, encoderSpec, shapes, say);
  }

  public static VariantPool load(SparkSession spark, String variantsDir, String episodesDir, String proteinsDir,
                                 EncoderSpec encoderSpec, Map<String, Shape> trainTasks, Consumer<String> say) {
    Dataset<Row> proteinsTable = spark.read().parquet(proteinsDir);
    Map<String, String> sequences = Proteins.sequences(spark, proteinsDir);
    Set<String> heldOut = heldOutProteins(spark, episodesDir, proteinsTable);
    heldOut.addAll(HeldOutPools.heldOutProteins(HeldOutPools.splitOfProtein(spark, proteinsDir)));
    Dataset<Row> rows;
    try {
      rows = spark.read().parquet(variantsDir);
    } catch (Exception e) { // AnalysisException, not a RuntimeException in Java terms
      throw new IllegalArgumentException("fresh episodes need the variants table at " + variantsDir
          + " (written by 'metamut ingest'; or set metamut.train.episodes = fixed): " + e.getMessage(), e);
    }
    rows = rows.select("task_id", "protein_id", "variant_id", "mutations", "y")
        .filter(col("task_id").isin(trainTasks.keySet().toArray()))
        .filter(not(col("protein_id").isin(heldOut.toArray())))
        .orderBy(col("task_id"), col("variant_id"));
    Builder b = new Builder(encoderSpec, sequences, variantsDir);
    for (Iterator<Row> it = rows.toLocalIterator(); it.hasNext(); ) {
      b.add(it.next());
    }
    return b.build(trainTasks, say);
  }

  /**
   * Proteins of the meta-val and meta-test episodes, and every protein in the same overlap group ({@code group_id}
   * of the proteins table, when it has the column).
   */
  private static Set<String> heldOutProteins(SparkSession spark, String episodesDir, Dataset<Row> proteins) {
    Set<String> held = new HashSet<>();
    for (Row r : spark.read().parquet(episodesDir).filter(col("split").notEqual("meta-train"))
        .select("protein_id").distinct().collectAsList()) {
      held.add(r.getString(0));
    }
    if (Arrays.asList(proteins.columns()).contains("group_id")) {
      Map<String, String> group = new HashMap<>();
      for (Row r : proteins.select("protein_id", "group_id").collectAsList()) {
        group.put(r.getString(0), r.isNullAt(1) ? r.getString(0) : r.getString(1));
      }
      Set<String> groups = new HashSet<>();
      held.forEach(p -> groups.add(group.getOrDefault(p, p)));
      group.forEach((p, g) -> {
        if (groups.contains(g)) {
          held.add(p);
        }
      });
    }
    return held;
  }

  /** Growable compact arrays; one task after the other (rows arrive sorted by task). */
  private static final class Builder {
    final Encoder encoder;
    final EncoderSpec spec;
    final Map<String, String> sequences;
    final String where;
    final Map<String, Integer> proteinIndex = new LinkedHashMap<>();
    final List<String> taskIds = new ArrayList<>();
    final List<Integer> taskStarts = new ArrayList<>();
    final Map<String, Integer> skipped = new LinkedHashMap<>();
    String firstSkip;
    int[] protein = new int[1024];
    int[] mutStart = new int[1025];
    double[] y = new double[1024];
    int[] pos = new int[1024];
    byte[] wt = new byte[1024];
    byte[] mt = new byte[1024];
    int nv;
    int nm;

    Builder(EncoderSpec spec, Map<String, String> sequences, String where) {
      this.encoder = Encoder.of(spec);
      this.spec = spec;
      this.sequences = sequences;
      this.where = where;
    }

    void add(Row r) {
      String task = r.getString(0);
      String proteinId = r.getString(1);
      String seq = sequences.get(proteinId);
      String at = "variants " + where + ": " + r.getString(2);
      if (seq == null) {
        throw new IllegalArgumentException(at + ": protein '" + proteinId + "' is not in the proteins table");
      }
      if (taskIds.isEmpty() || !taskIds.get(taskIds.size() - 1).equals(task)) {
        taskIds.add(task);
        taskStarts.add(nv);
      }
      List<Row> muts = r.getList(3);
      grow(muts.size());
      int m0 = nm;
      for (Row m : muts) {
        String w = m.getString(1);
        String t = m.getString(2);
        if (w == null || t == null || w.length() != 1 || t.length() != 1) {
          throw new IllegalArgumentException(at + ": mutation residues must be one letter, got " + w + "/" + t);
        }
        pos[nm] = m.getInt(0);
        wt[nm] = (byte) w.charAt(0);
        mt[nm] = (byte) t.charAt(0);
        nm++;
      }
      double target = r.getDouble(4);
      if (!Double.isFinite(target)) {
        throw new IllegalArgumentException(at + ": target y is " + target);
      }
      protein[nv] = proteinIndex.computeIfAbsent(proteinId, k -> proteinIndex.size());
      y[nv] = target;
      mutStart[nv + 1] = nm;
      try {
        VariantPool.encode(encoder, seq, pos, wt, mt, m0, nm); // as a draw will encode it
      } catch (IllegalArgumentException | IllegalStateException e) {
        skipped.merge(task, 1, Integer::sum);
        if (firstSkip == null) {
          firstSkip = at + ": " + e.getMessage();
        }
        nm = m0; // forget it
        return;
      }
      nv++;
    }

    private String[] proteinArray() {
      String[] a = new String[proteinIndex.size()];
      proteinIndex.forEach((id, i) -> a[i] = sequences.get(id));
      return a;
    }

    private void grow(int muts) {
      if (nv + 2 > protein.length) {
        int cap = 2 * protein.length;
        protein = Arrays.copyOf(protein, cap);
        y = Arrays.copyOf(y, cap);
        mutStart = Arrays.copyOf(mutStart, cap + 1);
      }
      while (nm + muts > pos.length) {
        pos = Arrays.copyOf(pos, 2 * pos.length);
        wt = Arrays.copyOf(wt, 2 * wt.length);
        mt = Arrays.copyOf(mt, 2 * mt.length);
      }
    }

    VariantPool build(Map<String, Shape> shapes, Consumer<String> say) {
      // a task keeps its variants only when it has enough for a support + query draw
      List<String> kept = new ArrayList<>();
      List<Integer> starts = new ArrayList<>();
      List<String> tooSmall = new ArrayList<>();
      int[] order = new int[nv];
      int n = 0;
      for (int t = 0; t < taskIds.size(); t++) {
        int from = taskStarts.get(t);
        int to = t + 1 < taskIds.size() ? taskStarts.get(t + 1) : nv;
        Shape sh = shapes.get(taskIds.get(t));
        if (to - from < sh.support() + sh.query()) {
          tooSmall.add(taskIds.get(t) + " (" + (to - from) + ")");
          continue;
        }
        kept.add(taskIds.get(t));
        starts.add(n);
        for (int v = from; v < to; v++) {
          order[n++] = v;
        }
      }
      Set<String> missing = new java.util.TreeSet<>(shapes.keySet());
      missing.removeAll(taskIds);
      if (!tooSmall.isEmpty() || !missing.isEmpty() || !skipped.isEmpty()) {
        say.accept("fresh episodes: left out " + (tooSmall.isEmpty() ? "" : "tasks with fewer variants than support + "
            + "query " + tooSmall + "; ") + (missing.isEmpty() ? "" : "tasks without rows in variants/ " + missing + "; ")
            + (skipped.isEmpty() ? "" : "variants that cannot be encoded " + skipped + ", first: " + firstSkip));
      }
      return compact(spec, kept, starts, order, n, shapes);
    }

    /** The pool of the kept tasks' variants ({@code order[0..n)}, usually all of them), in compact arrays. */
    private VariantPool compact(EncoderSpec spec, List<String> kept, List<Integer> starts, int[] order, int n,
                                Map<String, Shape> shapes) {
      int[] keepMutStart = new int[n + 1];
      int[] p2 = new int[n];
      double[] y2 = new double[n];
      int total = 0;
      for (int i = 0; i < n; i++) {
        total += mutStart[order[i] + 1] - mutStart[order[i]];
      }
      int[] pos2 = new int[total];
      byte[] wt2 = new byte[total];
      byte[] mt2 = new byte[total];
      int m = 0;
      for (int i = 0; i < n; i++) {
        int v = order[i];
        p2[i] = protein[v];
        y2[i] = y[v];
        for (int j = mutStart[v]; j < mutStart[v + 1]; j++, m++) {
          pos2[m] = pos[j];
          wt2[m] = wt[j];
          mt2[m] = mt[j];
        }
        keepMutStart[i + 1] = m;
      }
      int[] ts = new int[kept.size() + 1];
      int[] ss = new int[kept.size()];
      int[] qs = new int[kept.size()];
      for (int t = 0; t < kept.size(); t++) {
        ts[t] = starts.get(t);
        ss[t] = shapes.get(kept.get(t)).support();
        qs[t] = shapes.get(kept.get(t)).query();
      }
      ts[kept.size()] = n;
      return new VariantPool(spec, proteinArray(), kept.toArray(String[]::new), ts, ss, qs, p2, keepMutStart,
          pos2, wt2, mt2, y2);
    }
  }
}
