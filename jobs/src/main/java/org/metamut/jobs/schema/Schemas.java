package org.metamut.jobs.schema;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet tables metamut jobs exchange, as Spark schemas. Column names are the contract: jobs read
 * columns by name, so adding a column is compatible, renaming one is not.
 */
public final class Schemas {
  private Schemas() {
  }

  /** One substitution: 1-based position, wild-type and mutant residue (one-letter codes). */
  public static final StructType MUTATION = new StructType()
      .add("pos", DataTypes.IntegerType, false)
      .add("wt", DataTypes.StringType, false)
      .add("mt", DataTypes.StringType, false);

  /** A canonical variant: substitutions sorted by position, no synonymous ones; empty = the wild type. */
  public static final ArrayType MUTATIONS = DataTypes.createArrayType(MUTATION, false);

  /** {@code proteins/}: one row per distinct wild-type sequence. */
  public static final StructType PROTEINS = new StructType()
      .add("protein_id", DataTypes.StringType, false)   // "P" + first 12 hex digits of sha256
      .add("sequence", DataTypes.StringType, false)
      .add("sha256", DataTypes.StringType, false)       // of the sequence's ASCII bytes, lower-case hex
      .add("length", DataTypes.IntegerType, false)
      .add("name", DataTypes.StringType, false)         // the alphabetically first alias
      .add("aliases", DataTypes.createArrayType(DataTypes.StringType, false), false) // "<source>/<name>"
      .add("group_id", DataTypes.StringType, false)     // protein_id of the longest sequence it overlaps with
      // leave-one-protein-out: the split of its group (meta-train | meta-val | meta-test); null under the other
      // protocols and for a group in no task with episodes (see HeldOutPools)
      .add("split", DataTypes.StringType, true);

  /** {@code variants/} (partitioned by {@code source}): one row per variant and task. */
  public static final StructType VARIANTS = new StructType()
      .add("task_id", DataTypes.StringType, false)      // "<source>/<protein name>" or "<source>/pooled"
      .add("family", DataTypes.StringType, false)
      .add("protein_id", DataTypes.StringType, false)
      .add("protein_name", DataTypes.StringType, false)
      .add("variant_id", DataTypes.StringType, false)   // task_id [+ "/" + protein name if pooled] + "/" + A23G:D40K
      .add("mutations", MUTATIONS, false)
      .add("n_mut", DataTypes.IntegerType, false)
      .add("raw_value", DataTypes.DoubleType, false)    // mean of merged duplicate rows, source units
      .add("unit", DataTypes.StringType, false)
      .add("higher_is_better", DataTypes.BooleanType, false)
      .add("value", DataTypes.DoubleType, false)        // raw_value, sign flipped when lower is better
      .add("y", DataTypes.DoubleType, false)            // per-task z-score of value
      .add("n_obs", DataTypes.IntegerType, false)       // rows merged into this variant
      .add("source_file", DataTypes.StringType, false)
      .add("source_line", DataTypes.LongType, false)    // first line (1-based, header = line 1)
      .add("reference", DataTypes.StringType, true)
      .add("source", DataTypes.StringType, false);      // catalogue id (partition column)

  /** {@code quarantine/} (partitioned by {@code source}): every refused line with its reason. */
  public static final StructType QUARANTINE = new StructType()
      .add("source_file", DataTypes.StringType, false)
      .add("line_number", DataTypes.LongType, false)
      .add("raw_line", DataTypes.StringType, false)     // cut to metamut.ingest.quarantine-raw-line-chars
      .add("reason", DataTypes.StringType, false)       // stable code, e.g. WT_MISMATCH
      .add("message", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false);

  /** {@code episodes/} (partitioned by {@code split}): sampled support/query sets per task. */
  public static final StructType EPISODES = new StructType()
      .add("task_id", DataTypes.StringType, false)
      .add("family", DataTypes.StringType, false)
      .add("protein_id", DataTypes.StringType, false)
      .add("protein_group", DataTypes.StringType, false)
      .add("episode", DataTypes.IntegerType, false)
      .add("role", DataTypes.StringType, false)         // support | query
      .add("rank", DataTypes.IntegerType, false)        // order within (task, episode, role), 0-based
      .add("variant_id", DataTypes.StringType, false)
      .add("mutations", MUTATIONS, false)
      .add("y", DataTypes.DoubleType, false)
      .add("value", DataTypes.DoubleType, false)
      .add("split", DataTypes.StringType, false);       // meta-train | meta-val | meta-test
}
