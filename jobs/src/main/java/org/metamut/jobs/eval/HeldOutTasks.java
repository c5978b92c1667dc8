package org.metamut.jobs.eval;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.metamut.jobs.data.HeldOutPools;
import org.metamut.jobs.data.Proteins;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.mutation.Mutation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * The tasks of one split and the leak checks. The split of every task is the ingest job's (the {@code split}
 * column of {@code episodes/}); this class never re-splits. {@link #check} refuses a data set where a task, or a
 * protein group under leave-one-protein-out, is both evaluated and meta-trained on.
 */
public final class HeldOutTasks {

  /** One task's place in the split. */
  public record TaskInfo(String task, String family, String proteinId, String proteinGroup, String split) {
  }

  private final Map<String, TaskInfo> tasks;

  private HeldOutTasks(Map<String, TaskInfo> tasks) {
    this.tasks = tasks;
  }

  /** Reads the task → split table from {@code episodes/}; a task in two splits is an error. */
  public static HeldOutTasks read(SparkSession spark, String episodesDir) {
    List<Row> rows = spark.read().parquet(episodesDir)
        .select("task_id", "family", "protein_id", "protein_group", "split").distinct()
        .orderBy("task_id", "split", "protein_id").collectAsList();
    List<TaskInfo> infos = new ArrayList<>();
    for (Row r : rows) {
      infos.add(new TaskInfo(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4)));
    }
    return of(infos);
  }

  /** From explicit rows (one per task and protein; tests build leaky ones). */
  public static HeldOutTasks of(Collection<TaskInfo> rows) {
    Map<String, TaskInfo> byTask = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    for (TaskInfo t : rows) {
      TaskInfo prev = byTask.putIfAbsent(t.task(), t);
      if (prev != null && !prev.split().equals(t.split())) {
        problems.add("task " + t.task() + " is in both " + prev.split() + " and " + t.split());
      }
    }
    if (!problems.isEmpty()) {
      throw new LeakException(problems);
    }
    HeldOutTasks h = new HeldOutTasks(byTask);
    h.rows = List.copyOf(rows);
    return h;
  }

  private List<TaskInfo> rows = List.of();

  /** Thrown when evaluated data reaches training. */
  public static final class LeakException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public LeakException(List<String> problems) {
      super("leakage between the evaluated tasks and meta-training: " + String.join("; ", problems));
    }
  }

  /** Task ids of a split, sorted. */
  public List<String> tasks(String split) {
    return tasks.values().stream().filter(t -> t.split().equals(split)).map(TaskInfo::task).toList();
  }

  public TaskInfo info(String task) {
    return tasks.get(task);
  }

  /** Protein groups of a split's tasks. */
  public Set<String> proteinGroups(String split) {
    Set<String> g = new TreeSet<>();
    rows.stream().filter(t -> t.split().equals(split)).forEach(t -> g.add(t.proteinGroup()));
    return g;
  }

  /**
   * Checks that no evaluated task is a meta-train task (always) and, when {@code byProtein} (leave-one-protein-out),
   * that no protein group of an evaluated task occurs in meta-train.
   *
   * @throws LeakException listing every problem
   */
  public void check(String evalSplit, boolean byProtein) {
    List<String> problems = new ArrayList<>();
    Set<String> train = new TreeSet<>(tasks("meta-train"));
    for (String t : tasks(evalSplit)) {
      if (train.contains(t)) {
        problems.add("task " + t + " is evaluated and meta-trained on");
      }
    }
    if (byProtein) {
      Set<String> trainGroups = proteinGroups("meta-train");
      for (String g : proteinGroups(evalSplit)) {
        if (trainGroups.contains(g)) {
          problems.add("protein group " + g + " has " + evalSplit + " and meta-train tasks");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new LeakException(problems);
    }
  }

  /** Up to {@code max} tasks (0 = all), round-robin over families (sorted), tasks in id order within a family. */
  public static List<String> pick(List<TaskInfo> infos, int max) {
    Map<String, List<String>> byFamily = new TreeMap<>();
    for (TaskInfo t : infos) {
      byFamily.computeIfAbsent(t.family(), f -> new ArrayList<>()).add(t.task());
    }
    List<String> out = new ArrayList<>();
    int limit = max == 0 ? infos.size() : Math.min(max, infos.size());
    for (int round = 0; out.size() < limit; round++) {
      for (List<String> l : byFamily.values()) {
        if (round < l.size() && out.size() < limit) {
          out.add(l.get(round));
        }
      }
    }
    return out;
  }

  /**
   * The variant pools of {@code taskIds}: at most {@code poolSize} variants per task (those with the smallest
   * xxhash64 of the variant id, so the pool is deterministic), dropping variants an encoder cannot encode
   * (said through {@code say}). Every variant keeps its own protein (a pooled task mixes proteins); a derived
   * held-out part of a pooled task ({@code <task>@meta-test}) holds its pooled task's rows of that split's proteins. Each task's
   * bootstrap group is its component in the graph joining tasks that share a protein group ({@link #components}).
   * Tasks keep the order given.
   */
  public static List<TaskData> pools(SparkSession spark, String variantsDir, String proteinsDir, List<String> taskIds,
                                     int poolSize, List<EncoderSpec> encoders, Consumer<String> say) {
    Map<String, String> sequences = Proteins.sequences(spark, proteinsDir);
    Map<String, String> groupOf = new HashMap<>();
    for (Row r : spark.read().parquet(proteinsDir).select("protein_id", "group_id").collectAsList()) {
      groupOf.put(r.getString(0), r.isNullAt(1) ? r.getString(0) : r.getString(1));
    }
    // a derived id (<pooled task>@<split>) resolves to its pooled task's rows of proteins held out in that split
    Dataset<Row> v = HeldOutPools.variantsOf(spark, spark.read().parquet(variantsDir),
            HeldOutPools.splitOfProtein(spark, proteinsDir), taskIds)
        .select("task_id", "family", "protein_id", "variant_id", "mutations", "y", "value", "unit")
        .withColumn("h", xxhash64(col("variant_id"), lit(17)))
        .withColumn("r", row_number().over(Window.partitionBy("task_id").orderBy(col("h"), col("variant_id"))))
        .filter(col("r").leq(poolSize))
        .orderBy("task_id", "variant_id");
    List<Encoder> encs = encoders.stream().map(Encoder::of).toList();
    Map<String, Builder> builders = new LinkedHashMap<>();
    for (String t : taskIds) {
      builders.put(t, null);
    }
    Map<String, Integer> dropped = new TreeMap<>();
    for (Row r : v.collectAsList()) {
      String task = r.getString(0);
      String protein = r.getString(2);
      String seq = sequences.get(protein);
      if (seq == null) {
        throw new IllegalArgumentException("variant " + r.getString(3) + ": protein " + protein + " not in " + proteinsDir);
      }
      List<Mutation> muts = new ArrayList<>();
      for (Row m : r.<Row>getList(4)) {
        muts.add(new Mutation(m.getInt(0), m.getString(1).charAt(0), m.getString(2).charAt(0)));
      }
      if (!encodable(encs, seq, muts)) {
        dropped.merge(task, 1, Integer::sum);
        continue;
      }
      String unit = r.getString(7);
      boolean classes = unit != null && unit.toLowerCase(java.util.Locale.ROOT).contains("class");
      Builder b = builders.get(task);
      if (b == null) {
        b = new Builder(task, r.getString(1), classes);
        builders.put(task, b);
      }
      b.add(r.getString(3), protein, seq, groupOf.getOrDefault(protein, protein), TaskData.label(muts),
          classes ? r.getDouble(6) : r.getDouble(5));
    }
    dropped.forEach((t, n) -> say.accept("task " + t + ": " + n + " variants left out (cannot be encoded in the token budget)"));
    Map<String, Set<String>> groups = new LinkedHashMap<>();
    builders.forEach((t, b) -> {
      if (b != null) {
        groups.put(t, b.groups);
      }
    });
    Map<String, String> component = components(groups);
    List<TaskData> out = new ArrayList<>();
    for (Map.Entry<String, Builder> e : builders.entrySet()) {
      Builder b = e.getValue();
      if (b == null) {
        say.accept("task " + e.getKey() + ": no variants in " + variantsDir + ", skipped");
        continue;
      }
      out.add(new TaskData(b.task, b.family, component.get(b.task), b.classes, b.sequences, b.proteins, b.ids, b.muts,
          b.y.stream().mapToDouble(Double::doubleValue).toArray()));
    }
    return out;
  }

  private static boolean encodable(List<Encoder> encs, String seq, List<Mutation> muts) {
    for (Encoder e : encs) {
      try {
        e.encode(seq, muts);
      } catch (IllegalArgumentException ex) {
        return false;
      }
    }
    return true;
  }

  /**
   * The bootstrap group of each task: tasks are joined when they share a protein group, directly or through a
   * multi-protein task that touches both, and each connected component is named by its smallest protein group.
   * Several assays of one protein are then one resampling unit, not independent draws.
   */
  static Map<String, String> components(Map<String, Set<String>> proteinGroupsByTask) {
    Map<String, String> parent = new HashMap<>();
    for (Set<String> gs : proteinGroupsByTask.values()) {
      String first = null;
      for (String g : gs) {
        parent.putIfAbsent(g, g);
        if (first == null) {
          first = g;
        } else {
          union(parent, first, g);
        }
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    proteinGroupsByTask.forEach((t, gs) -> out.put(t, gs.isEmpty() ? t : find(parent, gs.iterator().next())));
    return out;
  }

  private static String find(Map<String, String> parent, String g) {
    String p = parent.get(g);
    return p.equals(g) ? g : find(parent, p);
  }

  /** Joins two components under the smaller name, so a component is named by its smallest group. */
  private static void union(Map<String, String> parent, String a, String b) {
    String ra = find(parent, a);
    String rb = find(parent, b);
    if (ra.compareTo(rb) < 0) {
      parent.put(rb, ra);
    } else if (rb.compareTo(ra) < 0) {
      parent.put(ra, rb);
    }
  }

  private static final class Builder {
    final String task;
    final String family;
    final boolean classes;
    final Map<String, String> sequences = new TreeMap<>();
    final Set<String> groups = new TreeSet<>();
    final List<String> proteins = new ArrayList<>();
    final List<String> ids = new ArrayList<>();
    final List<String> muts = new ArrayList<>();
    final List<Double> y = new ArrayList<>();

    Builder(String task, String family, boolean classes) {
      this.task = task;
      this.family = family;
      this.classes = classes;
    }

    void add(String id, String protein, String sequence, String group, String mutations, double target) {
      sequences.put(protein, sequence);
      groups.add(group);
      proteins.add(protein);
      ids.add(id);
      muts.add(mutations);
      y.add(target);
    }
  }

  /** Every row read (task, protein, group, split). */
  public List<TaskInfo> rows() {
    return rows;
  }
}
