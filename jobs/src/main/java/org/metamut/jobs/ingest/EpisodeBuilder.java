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
import org.metamut.jobs.data.HeldOutPools;
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
 * the manifest). <b>Splits</b>: see {@link Settings} and {@code src/docs/ingest.md}. Under leave-one-protein-out a
 * pooled (multi-protein) task is cut by protein group: its rows of meta-train groups stay in the task (meta-train),
 * its rows of groups held out in meta-val or meta-test form the derived tasks {@code <task>@meta-val} and
 * {@code <task>@meta-test} of that split ({@link HeldOutPools}); protein groups seen only in pooled tasks are split
 * by the same fractions as the others. Each part is a task of its own for eligibility, sampling and the report.
 */
final class EpisodeBuilder {
  static final String TRAIN = "meta-train";
  static final String VAL = "meta-val";
  static final String TEST = "meta-test";
  static final String LOPO = "leave-one-protein-out";

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
   * protein group (null for a multi-protein, pooled task), the tasks left out for having too few variants, and the
   * rows of each multi-protein task with at least support + query variants, per protein ({@code pooled}: task →
   * protein → rows).
   */
  private record Tasks(Map<String, long[]> sizes, Map<String, String> family, Map<String, String> group,
                       List<String> leftOut, Map<String, Map<String, Long>> pooled) {
  }

  /**
   * Where the rows of every (task, protein) go ({@code effective}, keyed by {@link #key}; a single-protein task by
   * protein {@code "*"}): the task itself, or under leave-one-protein-out the derived {@code <pooled task>@<split>}
   * of a held-out group; the size and split of each eligible effective task, the split of every protein group
   * (empty unless the protocol is leave-one-protein-out), the tasks left out, and the derived tasks' report.
   */
  record Plan(Map<String, long[]> sizes, Map<String, String> split, Map<String, String> effective,
              Map<String, String> splitOfGroup, List<String> leftOut, Map<String, Map<String, Object>> derived) {
    /** The key of a (task, protein) pair in {@code effective}. */
    static String key(String task, String protein) {
      return task + "\t" + protein;
    }
  }

  /** What {@link #build} did: the manifest's episodes report and the split of every protein group (LOPO only). */
  record Built(Map<String, Object> report, Map<String, String> splitOfGroup) {
  }

  /** Writes the episodes table to {@code path}; returns the report for the manifest and the groups' splits. */
  Built build(Dataset<Row> variants, Map<String, String> groupOf, String path) {
    int need = s.support() + s.query();
    Plan plan = plan(eligibleTasks(variants, groupOf, need), groupOf, need);
    Dataset<Row> keyed = keyedRows(variants, groupOf, plan);
    writeEpisodes(keyed, need, path);
    return new Built(report(plan, need), plan.splitOfGroup());
  }

  /** Counts each task's variants by (task, protein) (hash aggregation, small result) and keeps the eligible tasks. */
  private static Tasks eligibleTasks(Dataset<Row> variants, Map<String, String> groupOf, int need) {
    Map<String, long[]> all = new TreeMap<>();
    Map<String, String> family = new HashMap<>();
    Map<String, Map<String, Long>> rowsOf = new TreeMap<>();
    for (Row r : variants.groupBy("task_id", "family", "protein_id").count().collectAsList()) {
      String t = r.getString(0);
      all.computeIfAbsent(t, k -> new long[1])[0] += r.getLong(3);
      family.put(t, r.getString(1));
      rowsOf.computeIfAbsent(t, k -> new TreeMap<>()).put(r.getString(2), r.getLong(3));
    }
    Map<String, long[]> sizes = new TreeMap<>();
    Map<String, String> group = new HashMap<>();
    Map<String, Map<String, Long>> pooled = new TreeMap<>();
    List<String> leftOut = new ArrayList<>();
    for (Map.Entry<String, long[]> e : all.entrySet()) {
      String t = e.getKey();
      Map<String, Long> ps = rowsOf.get(t);
      if (e.getValue()[0] >= need && ps.size() > 1) {
        pooled.put(t, ps); // sized in plan(): under leave-one-protein-out its parts are tasks of their own
        continue;
      }
      if (e.getValue()[0] < need) {
        leftOut.add(t + " (" + e.getValue()[0] + " variants)");
        continue;
      }
      sizes.put(t, e.getValue());
      String only = ps.keySet().iterator().next();
      group.put(t, groupOf.getOrDefault(only, only));
    }
    return new Tasks(sizes, family, group, leftOut, pooled);
  }

  /**
   * Splits the tasks; under leave-one-protein-out also the protein groups seen only in pooled tasks (by the same
   * fractions, separately, so the split of the single-protein tasks is the same as without them), and cuts each
   * pooled task into its meta-train part and one derived task per held-out split. Effective tasks with fewer than
   * {@code need} variants are left out.
   */
  private Plan plan(Tasks tasks, Map<String, String> groupOf, int need) {
    Set<String> candidates = new TreeSet<>(tasks.sizes().keySet());
    candidates.addAll(tasks.pooled().keySet());
    Map<String, String> group = new HashMap<>(tasks.group());
    tasks.pooled().keySet().forEach(t -> group.put(t, null));
    Map<String, String> baseSplit = assignSplits(candidates, tasks.family(), group);
    Map<String, String> splitOfGroup = new TreeMap<>();
    if (LOPO.equals(s.protocol())) {
      tasks.group().forEach((t, g) -> splitOfGroup.put(g, baseSplit.get(t)));
      Set<String> pooledOnly = new TreeSet<>();
      tasks.pooled().values().forEach(ps -> ps.keySet().forEach(p -> pooledOnly.add(groupOf.getOrDefault(p, p))));
      pooledOnly.removeAll(splitOfGroup.keySet());
      splitOfGroup.putAll(fractions(new ArrayList<>(pooledOnly), s.testFraction(), s.valFraction()));
    }
    Map<String, long[]> counts = new TreeMap<>(tasks.sizes());
    Map<String, String> split = new TreeMap<>(baseSplit);
    Map<String, String> effective = new HashMap<>();
    Map<String, Set<String>> proteinsOf = new TreeMap<>();
    tasks.sizes().keySet().forEach(t -> effective.put(Plan.key(t, "*"), t));
    for (Map.Entry<String, Map<String, Long>> e : tasks.pooled().entrySet()) {
      String t = e.getKey();
      counts.put(t, new long[1]); // its meta-train part, even when every row is held out
      for (Map.Entry<String, Long> p : e.getValue().entrySet()) {
        String gs = splitOfGroup.get(groupOf.getOrDefault(p.getKey(), p.getKey()));
        String eff = gs == null || TRAIN.equals(gs) ? t : HeldOutPools.derivedId(t, gs);
        effective.put(Plan.key(t, p.getKey()), eff);
        counts.computeIfAbsent(eff, k -> new long[1])[0] += p.getValue();
        split.put(eff, eff.equals(t) ? baseSplit.get(t) : gs);
        proteinsOf.computeIfAbsent(eff, k -> new TreeSet<>()).add(p.getKey());
      }
    }
    List<String> leftOut = new ArrayList<>(tasks.leftOut());
    Map<String, long[]> sizes = new TreeMap<>();
    Map<String, Map<String, Object>> derived = new TreeMap<>();
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      String t = e.getKey();
      if (e.getValue()[0] < need) {
        leftOut.add(t + " (" + e.getValue()[0] + " variants)");
        split.remove(t);
        continue;
      }
      sizes.put(t, e.getValue());
      if (HeldOutPools.parse(t) != null) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("split", split.get(t));
        d.put("variants", e.getValue()[0]);
        d.put("proteins", proteinsOf.get(t).size());
        derived.put(t, d);
      }
    }
    leftOut.sort(null);
    return new Plan(sizes, split, effective, splitOfGroup, leftOut, derived);
  }

  /**
   * The eligible tasks' variants under their effective task id (see {@link Plan}), with split and protein group, one
   * row per episode, each with its sampling key and the key as a uniform {@code u} in [0, 1) to compare with the
   * task's {@code keep_below} threshold.
   */
  private Dataset<Row> keyedRows(Dataset<Row> variants, Map<String, String> groupOf, Plan plan) {
    int need = s.support() + s.query();
    // one row per (task, protein) of a pooled task and one per (task, "*") of a single-protein task
    List<Row> routeRows = new ArrayList<>();
    for (Map.Entry<String, String> e : plan.effective().entrySet()) {
      String eff = e.getValue();
      if (!plan.sizes().containsKey(eff)) {
        continue; // left out: too few variants
      }
      String[] tp = e.getKey().split("\t", 2);
      double frac = Math.min(1.0, 8.0 * need / plan.sizes().get(eff)[0] + 1e-9);
      routeRows.add(RowFactory.create(tp[0], tp[1], eff, plan.split().get(eff), frac >= 1.0 ? 2.0 : frac));
    }
    Dataset<Row> routes = spark.createDataFrame(routeRows, new StructType().add("r_task", DataTypes.StringType)
        .add("r_protein", DataTypes.StringType).add("eff_task", DataTypes.StringType)
        .add("split", DataTypes.StringType).add("keep_below", DataTypes.DoubleType));
    List<Row> groupRows = new ArrayList<>();
    for (Map.Entry<String, String> g : groupOf.entrySet()) {
      groupRows.add(RowFactory.create(g.getKey(), g.getValue()));
    }
    Dataset<Row> groupDf = spark.createDataFrame(groupRows, new StructType()
        .add("protein_id", DataTypes.StringType).add("protein_group", DataTypes.StringType));

    Column route = col("task_id").equalTo(col("r_task"))
        .and(col("r_protein").equalTo(lit("*")).or(col("r_protein").equalTo(col("protein_id"))));
    Dataset<Row> base = variants.join(broadcast(routes), route).join(broadcast(groupDf), "protein_id")
        .withColumn("task_id", col("eff_task")).drop("r_task", "r_protein", "eff_task");
    return base.withColumn("episode", explode(sequence(lit(0), lit(s.perTask() - 1))))
        .withColumn("key", xxhash64(lit(s.seed()), col("task_id"), col("episode"), col("variant_id")))
        .withColumn("u", shiftrightunsigned(col("key"), 11).cast("double").multiply(1.0 / (1L << 53)));
  }

  /** Samples the episodes (below the threshold first, exactly if that came up short) and writes them by split. */
  private void writeEpisodes(Dataset<Row> keyed, int need, String path) {
    Dataset<Row> episodes = sample(keyed.filter(col("u").lt(col("keep_below"))), need)
        .persist(StorageLevel.MEMORY_AND_DISK());
    // exactness check: every (task, episode) got `need` rows (n >= need for eligible tasks) unless the threshold cut
    // too deep (practically never); then sample again without the threshold
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
  private Map<String, Object> report(Plan plan, int need) {
    Map<String, Integer> perSplit = new TreeMap<>();
    for (String v : plan.split().values()) {
      perSplit.merge(v, 1, Integer::sum);
    }
    Set<String> heldOutGroups = new TreeSet<>();
    plan.splitOfGroup().forEach((g, sp) -> {
      if (!TRAIN.equals(sp)) {
        heldOutGroups.add(g);
      }
    });
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("settings", s.toString());
    report.put("tasks", plan.sizes().size());
    report.put("tasks_per_split", perSplit);
    report.put("split_of_task", plan.split());
    report.put("left_out_tasks", plan.leftOut());
    report.put("held_out_protein_groups", List.copyOf(heldOutGroups));
    report.put("derived_pooled_tasks", plan.derived());
    say.accept(String.format(Locale.ROOT, "episodes: %d tasks (%s), %d per task, %d support + %d query; %d tasks left out"
            + " (fewer than %d variants)%s", plan.sizes().size(), perSplit, s.perTask(), s.support(), s.query(),
        plan.leftOut().size(), need, plan.derived().isEmpty() ? "" : "; held-out parts of pooled tasks: "
            + plan.derived()));
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
      case LOPO -> {
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
