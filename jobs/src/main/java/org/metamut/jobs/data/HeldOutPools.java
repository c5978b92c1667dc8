package org.metamut.jobs.data;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

/**
 * The held-out parts of pooled tasks under leave-one-protein-out, in one place for ingest, meta-train and evaluate.
 *
 * <p>A pooled task ({@code <source>/pooled}) mixes small proteins of several groups. Under leave-one-protein-out its
 * rows of a protein group held out in meta-val or meta-test form the <b>derived task</b> {@code <task>@<split>}
 * (e.g. {@code fireprot/pooled@meta-test}), evaluated like any held-out task; its rows of meta-train groups stay in
 * the task itself. Ingest records each protein's split in the {@code split} column of {@code proteins/} (the split
 * of its group; null when the protocol splits tasks, not proteins); a derived task's rows are exactly the rows of
 * its pooled task whose protein has that split ({@link #variantsOf}), and the fresh-episode pool leaves out every
 * row whose protein is not meta-train ({@link #heldOutProteins}).
 */
public final class HeldOutPools {
  /** Between a pooled task's id and the split of its derived task; not used in source or protein names. */
  public static final String SEPARATOR = "@";
  static final Set<String> HELD_OUT_SPLITS = Set.of("meta-val", "meta-test");

  private HeldOutPools() {
  }

  /** The id of the part of {@code pooledTask} held out in {@code split}. */
  public static String derivedId(String pooledTask, String split) {
    return pooledTask + SEPARATOR + split;
  }

  /** {pooled task id, split} of a derived task id, or null for an ordinary task id. */
  public static String[] parse(String taskId) {
    int at = taskId.lastIndexOf(SEPARATOR);
    if (at < 0 || !HELD_OUT_SPLITS.contains(taskId.substring(at + 1))) {
      return null;
    }
    return new String[] {taskId.substring(0, at), taskId.substring(at + 1)};
  }

  /**
   * Protein id → the split of its protein group, from the {@code split} column of {@code proteins/}; empty when the
   * table has no such column (written before it existed) or the protocol splits tasks.
   */
  public static Map<String, String> splitOfProtein(SparkSession spark, String proteinsDir) {
    Map<String, String> out = new TreeMap<>();
    Dataset<Row> p = spark.read().parquet(proteinsDir);
    if (!Arrays.asList(p.columns()).contains("split")) {
      return out;
    }
    for (Row r : p.filter(col("split").isNotNull()).select("protein_id", "split").collectAsList()) {
      out.put(r.getString(0), r.getString(1));
    }
    return out;
  }

  /** Proteins whose group is held out (meta-val or meta-test) by {@code splitOfProtein}. */
  public static Set<String> heldOutProteins(Map<String, String> splitOfProtein) {
    Set<String> out = new TreeSet<>();
    splitOfProtein.forEach((p, s) -> {
      if (HELD_OUT_SPLITS.contains(s)) {
        out.add(p);
      }
    });
    return out;
  }

  /**
   * The rows of {@code variants} of the tasks {@code taskIds}: an ordinary id's rows as they are; a derived id's are
   * the rows of its pooled task whose protein has the derived task's split, with {@code task_id} set to the derived
   * id. The result keeps the columns of {@code variants}.
   */
  public static Dataset<Row> variantsOf(SparkSession spark, Dataset<Row> variants, Map<String, String> splitOfProtein,
                                        Collection<String> taskIds) {
    List<String> plain = new ArrayList<>();
    List<Row> derived = new ArrayList<>();
    for (String t : taskIds) {
      String[] d = parse(t);
      if (d == null) {
        plain.add(t);
      } else {
        for (Map.Entry<String, String> e : splitOfProtein.entrySet()) {
          if (e.getValue().equals(d[1])) {
            derived.add(RowFactory.create(d[0], e.getKey(), d[1]));
          }
        }
      }
    }
    Dataset<Row> out = variants.filter(col("task_id").isin(plain.toArray()));
    if (derived.isEmpty()) {
      return out;
    }
    Dataset<Row> members = spark.createDataFrame(derived, new StructType().add("m_task", DataTypes.StringType)
        .add("m_protein", DataTypes.StringType).add("m_split", DataTypes.StringType));
    Dataset<Row> held = variants.join(broadcast(members),
            col("task_id").equalTo(col("m_task")).and(col("protein_id").equalTo(col("m_protein"))))
        .withColumn("task_id", concat(col("task_id"), lit(SEPARATOR), col("m_split")))
        .select(Arrays.stream(variants.columns()).map(c -> col(c)).toArray(Column[]::new));
    return out.unionByName(held);
  }
}
