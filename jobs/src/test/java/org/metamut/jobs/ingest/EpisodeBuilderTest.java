package org.metamut.jobs.ingest;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metamut.jobs.schema.Schemas;
import org.metamut.jobs.testing.LocalSpark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Split protocols (pure) and episode sampling (Spark): sizes, disjointness, determinism. */
class EpisodeBuilderTest {

  static EpisodeBuilder builder(String protocol, long seed) {
    return new EpisodeBuilder(null, new EpisodeBuilder.Settings(seed, 4, 6, 3, protocol, List.of("solubility"), 0.25, 0.25),
        s -> { });
  }

  static final Set<String> TASKS = new TreeSet<>(List.of("a/p1", "b/p1", "c/p2", "d/p3", "e/p4", "f/p5", "g/pooled",
      "h/p6"));
  static final Map<String, String> FAMILY = new HashMap<>(Map.of("a/p1", "fitness", "b/p1", "stability", "c/p2",
      "fitness", "d/p3", "solubility", "e/p4", "abundance", "f/p5", "fitness", "g/pooled", "solubility", "h/p6", "fitness"));
  static final Map<String, String> GROUP = new HashMap<>();

  static {
    GROUP.putAll(Map.of("a/p1", "G1", "b/p1", "G1", "c/p2", "G2", "d/p3", "G3", "e/p4", "G4", "f/p5", "G5",
        "h/p6", "G1"));
    GROUP.put("g/pooled", null);
  }

  @Test
  void leaveOneFamilyOutHoldsOutTheFamily() {
    Map<String, String> s = builder("leave-one-family-out", 1).assignSplits(TASKS, FAMILY, GROUP);
    for (String t : TASKS) {
      assertEquals(FAMILY.get(t).equals("solubility"), s.get(t).equals(EpisodeBuilder.TEST), t);
    }
    assertEquals(2, s.values().stream().filter(EpisodeBuilder.VAL::equals).count(), "round(6 x 0.25)");
  }

  @Test
  void leaveOneProteinOutKeepsEachProteinGroupInOneSplit() {
    for (long seed = 0; seed < 20; seed++) {
      Map<String, String> s = builder("leave-one-protein-out", seed).assignSplits(TASKS, FAMILY, GROUP);
      Map<String, String> splitOfGroup = new HashMap<>();
      for (String t : TASKS) {
        if (GROUP.get(t) == null) {
          assertEquals(EpisodeBuilder.TRAIN, s.get(t), "pooled tasks train");
          continue;
        }
        String prev = splitOfGroup.put(GROUP.get(t), s.get(t));
        assertTrue(prev == null || prev.equals(s.get(t)), "group " + GROUP.get(t) + " split across " + prev + "/" + s.get(t));
      }
      assertTrue(splitOfGroup.containsValue(EpisodeBuilder.TEST));
      assertTrue(splitOfGroup.containsValue(EpisodeBuilder.VAL));
    }
    assertNull(GROUP.get("g/pooled"));
  }

  @Test
  void randomTaskIsSeededAndSized() {
    Map<String, String> a = builder("random-task", 5).assignSplits(TASKS, FAMILY, GROUP);
    assertEquals(a, builder("random-task", 5).assignSplits(TASKS, FAMILY, GROUP));
    assertEquals(2, a.values().stream().filter(EpisodeBuilder.TEST::equals).count());
    boolean differs = false;
    for (long seed = 6; seed < 12 && !differs; seed++) {
      differs = !a.equals(builder("random-task", seed).assignSplits(TASKS, FAMILY, GROUP));
    }
    assertTrue(differs, "another seed gives another split");
  }

  @Test
  void episodesAreDisjointSizedAndReproducible(@TempDir Path tmp) {
    SparkSession spark = LocalSpark.get();
    List<Row> rows = new ArrayList<>();
    String[] tasks = {"s/t1", "s/t2", "s/small"};
    int[] sizes = {200, 60, 5};
    for (int t = 0; t < tasks.length; t++) {
      for (int i = 0; i < sizes[t]; i++) {
        rows.add(RowFactory.create(tasks[t], "fitness", "P" + t, "p" + t, tasks[t] + "/A" + (i + 1) + "G",
            FileParser.seq(List.of(RowFactory.create(i + 1, "A", "G"))), 1, 1.0 * i, "u", true, 1.0 * i, i / 100.0, 1,
            "f", (long) i + 2, null, "s"));
      }
    }
    Dataset<Row> variants = spark.createDataFrame(rows, Schemas.VARIANTS);
    Map<String, String> groups = Map.of("P0", "P0", "P1", "P1", "P2", "P2");
    new EpisodeBuilder(spark, builder("random-task", 9).s(), s -> { }).build(variants, groups, tmp.resolve("a").toString());
    new EpisodeBuilder(spark, builder("random-task", 9).s(), s -> { }).build(variants.repartition(3), groups,
        tmp.resolve("b").toString());
    new EpisodeBuilder(spark, builder("random-task", 10).s(), s -> { }).build(variants, groups, tmp.resolve("c").toString());
    List<Row> a = spark.read().parquet(tmp.resolve("a").toString()).orderBy("task_id", "episode", "role", "rank").collectAsList();
    List<Row> b = spark.read().parquet(tmp.resolve("b").toString()).orderBy("task_id", "episode", "role", "rank").collectAsList();
    List<Row> c = spark.read().parquet(tmp.resolve("c").toString()).orderBy("task_id", "episode", "role", "rank").collectAsList();
    assertEquals(2 * 3 * 10, a.size(), "2 eligible tasks x 3 episodes x (4 + 6); the 5-variant task is left out");
    assertEquals(a.toString(), b.toString(), "same seed, other partitioning: identical episodes");
    assertNotEquals(a.toString(), c.toString(), "another seed: other episodes");
    Map<String, Set<String>> seen = new HashMap<>();
    for (Row r : a) {
      String key = r.getAs("task_id") + "#" + r.getAs("episode");
      assertTrue(seen.computeIfAbsent(key, k -> new HashSet<>()).add(r.getAs("variant_id")), "disjoint " + key);
    }
    assertEquals(24, spark.read().parquet(tmp.resolve("a").toString()).filter(col("role").equalTo("support")).count());
  }

  /**
   * Leave-one-protein-out with a pooled task whose proteins are in many groups (one shared with a single-protein
   * task): its rows of held-out groups form {@code m/pooled@<split>} in that split, exactly those rows, and no row of
   * a held-out group reaches meta-train; the single-protein tasks split as they would without the pooled task.
   */
  @Test
  void leaveOneProteinOutCutsPooledTasksIntoHeldOutParts(@TempDir Path tmp) {
    SparkSession spark = LocalSpark.get();
    List<Row> rows = new ArrayList<>();
    Map<String, String> groups = new HashMap<>();
    for (int t = 0; t < 8; t++) {
      addRows(rows, "s/t" + t, "P" + t, 40);
      groups.put("P" + t, "G" + t);
    }
    for (int q = 0; q < 24; q++) {
      addRows(rows, "m/pooled", "Q" + q, 3 + q % 4); // 3..6 rows each, 108 in all
      groups.put("Q" + q, q == 0 ? "G3" : "H" + q); // Q0 is a homologue of P3; the others are in no other task
    }
    addRows(rows, "n/pooled", "N0", 2); // a pooled task too small as a whole: left out whole, its groups unsplit
    addRows(rows, "n/pooled", "N1", 2);
    groups.put("N0", "K0");
    groups.put("N1", "K1");
    Dataset<Row> variants = spark.createDataFrame(rows, Schemas.VARIANTS);
    EpisodeBuilder b = new EpisodeBuilder(spark, new EpisodeBuilder.Settings(3, 4, 6, 2, "leave-one-protein-out",
        List.of(), 0.25, 0.25), s -> { });
    String out = tmp.resolve("e").toString();
    EpisodeBuilder.Built built = b.build(variants, groups, out);
    Map<String, String> splitOfGroup = built.splitOfGroup();

    // the single-protein tasks split exactly as without the pooled task
    Set<String> singles = new TreeSet<>();
    Map<String, String> singleGroup = new HashMap<>();
    for (int t = 0; t < 8; t++) {
      singles.add("s/t" + t);
      singleGroup.put("s/t" + t, "G" + t);
    }
    Map<String, String> alone = b.assignSplits(singles, Map.of(), singleGroup);
    for (int t = 0; t < 8; t++) {
      assertEquals(alone.get("s/t" + t), splitOfGroup.get("G" + t), "s/t" + t);
    }
    assertEquals(splitOfGroup.get("G3"), splitOfGroup.get(groups.get("Q0")), "a homologue follows its group");

    // expected: the pooled rows of each split, from the groups' splits (rows of Q q are 3 + q % 4)
    Map<String, Set<String>> expected = new HashMap<>();
    for (Row r : rows) {
      if (r.getString(0).equals("m/pooled")) {
        expected.computeIfAbsent(splitOfGroup.get(groups.get(r.getString(2))), k -> new TreeSet<>()).add(r.getString(4));
      }
    }
    assertTrue(expected.get(EpisodeBuilder.TEST).size() >= 10 && expected.get(EpisodeBuilder.VAL).size() >= 10,
        "this seed holds out enough pooled proteins in both splits: " + expected.keySet());
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> derived = (Map<String, Map<String, Object>>) built.report()
        .get("derived_pooled_tasks");
    @SuppressWarnings("unchecked")
    Map<String, String> splitOfTask = (Map<String, String>) built.report().get("split_of_task");
    Dataset<Row> ep = spark.read().parquet(out);
    for (String split : List.of(EpisodeBuilder.VAL, EpisodeBuilder.TEST)) {
      String id = "m/pooled@" + split;
      assertEquals(split, splitOfTask.get(id));
      assertEquals((long) expected.get(split).size(), ((Number) derived.get(id).get("variants")).longValue(), id);
      List<Row> got = ep.filter(col("task_id").equalTo(id)).collectAsList();
      assertEquals(2 * 10, got.size(), id + ": 2 episodes of 4 + 6");
      Set<String> proteins = new TreeSet<>();
      for (Row r : got) {
        assertEquals(split, r.getAs("split"), id);
        assertTrue(expected.get(split).contains(r.<String>getAs("variant_id")), id + " holds " + r.getAs("variant_id"));
        proteins.add(r.getAs("protein_id"));
      }
      assertTrue(proteins.size() > 1, id + " is a multi-protein task: " + proteins);
    }
    // leak-free: no meta-train row of a held-out group, and the meta-train part keeps only meta-train groups
    Set<String> heldOut = new TreeSet<>();
    for (Row r : ep.filter(col("split").notEqual(EpisodeBuilder.TRAIN)).select("protein_group").distinct().collectAsList()) {
      heldOut.add(r.getString(0));
    }
    for (Row r : ep.filter(col("split").equalTo(EpisodeBuilder.TRAIN)).select("task_id", "protein_group").distinct()
        .collectAsList()) {
      assertFalse(heldOut.contains(r.getString(1)), r.toString());
      assertEquals(EpisodeBuilder.TRAIN, splitOfGroup.get(r.getString(1)), r.toString());
    }
    assertEquals(EpisodeBuilder.TRAIN, splitOfTask.get("m/pooled"));
    @SuppressWarnings("unchecked")
    List<String> leftOut = (List<String>) built.report().get("left_out_tasks");
    assertEquals(List.of("n/pooled (4 variants)"), leftOut);
    assertFalse(splitOfGroup.containsKey("K0") || splitOfGroup.containsKey("K1"), splitOfGroup.toString());
  }

  private static void addRows(List<Row> rows, String task, String protein, int n) {
    for (int i = 0; i < n; i++) {
      String id = task + "/" + protein + "/A" + (i + 1) + "G";
      rows.add(RowFactory.create(task, "stability", protein, protein.toLowerCase(java.util.Locale.ROOT), id,
          FileParser.seq(List.of(RowFactory.create(i + 1, "A", "G"))), 1, 1.0 * i, "u", true, 1.0 * i, i / 10.0, 1,
          "f", (long) i + 2, null, task.substring(0, 1)));
    }
  }
}
