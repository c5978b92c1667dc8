package org.metamut.jobs.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.metamut.jobs.config.IngestKeys;
import org.metamut.jobs.config.MetamutConfig;
import org.metamut.jobs.config.RunKeys;
import org.metamut.lib.provenance.Sha256;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Builds {@code episodes/} from {@code variants/}.
 *
 * <p><b>Sampling</b>: for task t and episode e, every variant v gets the key {@code xxhash64(seed, t, e, v)};
 * the {@code support-size} smallest keys are the support set, the next {@code query-size} the query set
 * (disjoint, without replacement). Keys depend only on (seed, task, episode, variant id), so the same
 * config + seed give identical episodes, independent of partitioning and of other tasks. To avoid ranking
 * every variant of a large task, rows whose key is above a per-task threshold (8x the needed fraction) are
 * dropped first; the smallest keys always survive, and if some (task, episode) came up short — practically
 * never — the episodes are recomputed without the threshold, so the result is exact either way.
 *
 * <p><b>Eligibility</b>: a task needs at least support + query variants, otherwise it is left out (listed in
 * the manifest). <b>Splits</b>: see {@link Settings} and {@code src/docs/ingest.md}.
 */
final class EpisodeBuilder {
  static final String TRAIN = "meta-train";
  static final String VAL = "meta-val";
  static final String TEST = "meta-test";

  /** Episode settings, read once on the driver. */
  record Settings(long seed, int support, int query, int perTask, String protocol, List<String> testFamilies,
                  double testFraction, double valFraction) implements Serializable {
    static Settings from(MetamutConfig cfg) {
      return new Settings(cfg.get(RunKeys.SEED), cfg.get(IngestKeys.SUPPORT_SIZE), cfg.get(IngestKeys.QUERY_SIZE),
          cfg.get(IngestKeys.EPISODES_PER_TASK), cfg.get(IngestKeys.SPLIT_PROTOCOL), cfg.get(IngestKeys.TEST_FAMILIES),
          cfg.get(IngestKeys.TEST_FRACTION), cfg.get(IngestKeys.VAL_FRACTION));
    }
  }

  private final SparkSession spark;
  private final Settings s;

  Settings s() {
    return s;
  }
  private final Consumer<String> say;

  EpisodeBuilder(SparkSession spark, Settings s, Consumer<String> say) {
    this.spark = spark;
    this.s = s;
    this.say = say;
  }

  /**
   * The tasks with at least support + query variants ({@code sizes}: task → {variant count}), each task's family and
   * protein group (null for a multi-protein, pooled task), and the tasks left out for having too few variants.
   */
  private record Tasks(Map<String, long[]> sizes, Map<String, String> family, Map<String, String> group,
                       List<String> leftOut) {
  }

  /** Writes the episodes table to {@code path}; returns the report for the manifest. */
  Map<String, Object> build(Dataset<Row> variants, Map<String, String> groupOf, String path) {
    int need = s.support() + s.query();
    Tasks tasks = eligibleTasks(variants, groupOf, need);
    Map<String, String> split = assignSplits(tasks.sizes().keySet(), tasks.family(), tasks.group());
    Set<String> heldOutGroups = heldOutGroups(split, tasks.group());
    Dataset<Row> keyed = keyedRows(variants, groupOf, tasks.sizes(), split, heldOutGroups, need);
    writeEpisodes(keyed, need, path);
    return report(tasks, split, heldOutGroups, need);
  }

  /** Counts each task's variants by (task, protein) (hash aggregation, small result) and keeps the eligible tasks. */
  private static Tasks eligibleTasks(Dataset<Row> variants, Map<String, String> groupOf, int need) {
    Map<String, long[]> all = new TreeMap<>();
    Map<String, String> family = new HashMap<>();
    Map<String, Set<String>> proteinsOf = new HashMap<>();
    for (Row r : variants.groupBy("task_id", "family", "protein_id").count().collectAsList()) {
      String t = r.getString(0);
      all.computeIfAbsent(t, k -> new long[1])[0] += r.getLong(3);
      family.put(t, r.getString(1));
      proteinsOf.computeIfAbsent(t, k -> new TreeSet<>()).add(r.getString(2));
    }
    Map<String, long[]> sizes = new TreeMap<>();
    Map<String, String> group = new HashMap<>();
    List<String> leftOut = new ArrayList<>();
    for (Map.Entry<String, long[]> e : all.entrySet()) {
      String t = e.getKey();
      if (e.getValue()[0] < need) {
        leftOut.add(t + " (" + e.getValue()[0] + " variants)");
        continue;
      }
      sizes.put(t, e.getValue());
      Set<String> ps = proteinsOf.get(t);
      String only = ps.iterator().next();
      group.put(t, ps.size() > 1 ? null : groupOf.getOrDefault(only, only));
    }
    leftOut.sort(null);
    return new Tasks(sizes, family, group, leftOut);
  }

  /**
   * Leave-one-protein-out: the protein groups outside meta-train. Pooled (multi-protein) tasks are meta-train, and
   * their rows of these groups are dropped. Empty under the other protocols.
   */
  private Set<String> heldOutGroups(Map<String, String> split, Map<String, String> group) {
    Set<String> heldOutGroups = new TreeSet<>();
    if ("leave-one-protein-out".equals(s.protocol())) {
      for (Map.Entry<String, String> e : split.entrySet()) {
        if (!TRAIN.equals(e.getValue()) && group.get(e.getKey()) != null) {
          heldOutGroups.add(group.get(e.getKey()));
        }
      }
    }
    return heldOutGroups;
  }

  /**
   * The eligible tasks' variants with their split and protein group, one row per episode, each with its sampling
   * key and the key as a uniform {@code u} in [0, 1) to compare with the task's {@code keep_below} threshold.
   */
  private Dataset<Row> keyedRows(Dataset<Row> variants, Map<String, String> groupOf, Map<String, long[]> sizes,
                                 Map<String, String> split, Set<String> heldOutGroups, int need) {
    List<Row> splitRows = new ArrayList<>();
    for (String t : sizes.keySet()) {
      double frac = Math.min(1.0, 8.0 * need / sizes.get(t)[0] + 1e-9);
      splitRows.add(RowFactory.create(t, split.get(t), frac >= 1.0 ? 2.0 : frac));
    }
    Dataset<Row> splitDf = spark.createDataFrame(splitRows, new StructType().add("task_id", DataTypes.StringType)
        .add("split", DataTypes.StringType).add("keep_below", DataTypes.DoubleType));
    List<Row> groupRows = new ArrayList<>();
    for (Map.Entry<String, String> g : groupOf.entrySet()) {
      groupRows.add(RowFactory.create(g.getKey(), g.getValue()));
    }
    Dataset<Row> groupDf = spark.createDataFrame(groupRows, new StructType()
        .add("protein_id", DataTypes.StringType).add("protein_group", DataTypes.StringType));

    Dataset<Row> base = variants.join(broadcast(splitDf), "task_id").join(broadcast(groupDf), "protein_id");
    if (!heldOutGroups.isEmpty()) {
      base = base.filter(col("split").notEqual(TRAIN).or(
          col("protein_group").isin(heldOutGroups.toArray()).equalTo(false)));
    }
    return base.withColumn("episode", explode(sequence(lit(0), lit(s.perTask() - 1))))
        .withColumn("key", xxhash64(lit(s.seed()), col("task_id"), col("episode"), col("variant_id")))
        .withColumn("u", shiftrightunsigned(col("key"), 11).cast("double").multiply(1.0 / (1L << 53)));
  }

  /** Samples the episodes (below the threshold first, exactly if that came up short) and writes them by split. */
  private void writeEpisodes(Dataset<Row> keyed, int need, String path) {
    Dataset<Row> episodes = sample(keyed.filter(col("u").lt(col("keep_below"))), need)
        .persist(StorageLevel.MEMORY_AND_DISK());
    // exactness check: every (task, episode) got `need` rows (n >= need for eligible tasks), unless the
    // leave-one-protein-out filter shrank a pooled task; then sample again without the threshold
    long shortOnes = episodes.groupBy("task_id", "episode").count().filter(col("count").lt(need)).count();
    if (shortOnes > 0) {
      episodes.unpersist();
      episodes = sample(keyed, need).persist(StorageLevel.MEMORY_AND_DISK());
    }
    episodes.select("task_id", "family", "protein_id", "protein_group", "episode", "role", "rank", "variant_id",
            "mutations", "y", "value", "split")
        .repartition(col("split"))
        .sortWithinPartitions("task_id", "episode", "role", "rank")
        .write().partitionBy("split").parquet(path);
    episodes.unpersist();
  }

  /** The manifest's episodes report; also says a one-line summary. */
  private Map<String, Object> report(Tasks tasks, Map<String, String> split, Set<String> heldOutGroups, int need) {
    Map<String, long[]> sizes = tasks.sizes();
    List<String> leftOut = tasks.leftOut();
    Map<String, Integer> perSplit = new TreeMap<>();
    for (String v : split.values()) {
      perSplit.merge(v, 1, Integer::sum);
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("settings", s.toString());
    report.put("tasks", sizes.size());
    report.put("tasks_per_split", perSplit);
    report.put("split_of_task", split);
    report.put("left_out_tasks", leftOut);
    report.put("held_out_protein_groups", List.copyOf(heldOutGroups));
    say.accept(String.format(Locale.ROOT, "episodes: %d tasks (%s), %d per task, %d support + %d query; %d tasks left out"
            + " (fewer than %d variants)", sizes.size(), perSplit, s.perTask(), s.support(), s.query(), leftOut.size(),
        need));
    return report;
  }

  private Dataset<Row> sample(Dataset<Row> keyed, int need) {
    Column rn = row_number().over(Window.partitionBy("task_id", "episode").orderBy(col("key"), col("variant_id")))
        .minus(1);
    return keyed.withColumn("rn", rn).filter(col("rn").lt(need))
        .withColumn("role", when(col("rn").lt(s.support()), lit("support")).otherwise(lit("query")))
        .withColumn("rank", when(col("rn").lt(s.support()), col("rn")).otherwise(col("rn").minus(s.support()))
            .cast("int"));
  }

  /** The split of every task, by the configured protocol; deterministic in (seed, task or group ids). */
  Map<String, String> assignSplits(Set<String> tasks, Map<String, String> family, Map<String, String> group) {
    Map<String, String> out = new TreeMap<>();
    switch (s.protocol()) {
      case "leave-one-family-out" -> {
        List<String> rest = new ArrayList<>();
        for (String t : tasks) {
          if (s.testFamilies().contains(family.get(t))) {
            out.put(t, TEST);
          } else {
            rest.add(t);
          }
        }
        for (String f : s.testFamilies()) {
          if (!family.containsValue(f)) {
            say.accept("warning: test family '" + f + "' has no task; meta-test is empty for it");
          }
        }
        Map<String, String> r = fractions(rest, 0.0, s.valFraction());
        out.putAll(r);
      }
      case "leave-one-protein-out" -> {
        Set<String> groups = new TreeSet<>();
        for (String t : tasks) {
          if (group.get(t) != null) {
            groups.add(group.get(t));
          }
        }
        Map<String, String> bySplit = fractions(new ArrayList<>(groups), s.testFraction(), s.valFraction());
        for (String t : tasks) {
          out.put(t, group.get(t) == null ? TRAIN : bySplit.get(group.get(t)));
        }
      }
      default -> out.putAll(fractions(new ArrayList<>(tasks), s.testFraction(), s.valFraction()));
    }
    return out;
  }

  /** Units ordered by a seeded hash: the first test-fraction are meta-test, then val-fraction of the rest. */
  private Map<String, String> fractions(List<String> units, double testFrac, double valFrac) {
    List<String> order = new ArrayList<>(units);
    order.sort(Comparator.comparing((String u) -> Sha256.hex(s.seed() + ":" + u)).thenComparing(u -> u));
    int n = order.size();
    int nTest = share(n, testFrac);
    int nVal = share(n - nTest, valFrac);
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      out.put(order.get(i), i < nTest ? TEST : i < nTest + nVal ? VAL : TRAIN);
    }
    return out;
  }

  /** round(n * frac), at least 1 when frac > 0 and at least 2 units are there (one stays for training). */
  private static int share(int n, double frac) {
    if (frac <= 0 || n < 2) {
      return 0;
    }
    return (int) Math.min(n - 1, Math.max(1, Math.round(n * frac)));
  }

}
