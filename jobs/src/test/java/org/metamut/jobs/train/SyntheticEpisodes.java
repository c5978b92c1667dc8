package org.metamut.jobs.train;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.metamut.lib.mutation.Mutation;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes small {@code proteins/}, {@code episodes/} and {@code variants/} Parquet tables in the ingest job's contract
 * schema: random proteins, single mutants, and per task a target that is a task-specific mix of two residue
 * properties (hydrophobicity and size of the substitution) plus noise, so tasks share structure. {@code variants/}
 * holds every episode variant of every task plus {@link #EXTRA} more per task (what fresh episodes draw from).
 */
final class SyntheticEpisodes {
  private SyntheticEpisodes() {
  }

  static final StructType MUTATION = new StructType().add("pos", DataTypes.IntegerType).add("wt", DataTypes.StringType)
      .add("mt", DataTypes.StringType);
  static final StructType EPISODES = new StructType()
      .add("task_id", DataTypes.StringType).add("split", DataTypes.StringType).add("family", DataTypes.StringType)
      .add("protein_id", DataTypes.StringType).add("episode", DataTypes.IntegerType).add("role", DataTypes.StringType)
      .add("variant_id", DataTypes.StringType).add("mutations", DataTypes.createArrayType(MUTATION))
      .add("y", DataTypes.DoubleType);
  static final StructType VARIANTS = new StructType()
      .add("task_id", DataTypes.StringType).add("protein_id", DataTypes.StringType).add("variant_id", DataTypes.StringType)
      .add("mutations", DataTypes.createArrayType(MUTATION)).add("y", DataTypes.DoubleType).add("source", DataTypes.StringType);
  static final StructType PROTEINS = new StructType().add("protein_id", DataTypes.StringType)
      .add("sequence", DataTypes.StringType).add("sha256", DataTypes.StringType);

  /**
   * @param train meta-train tasks, each with {@code episodes} episodes; {@code val} meta-val tasks with one episode
   */
  static final int EXTRA = 20;

  static void write(SparkSession spark, String outDir, int train, int val, int episodes, int shot, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    String aa = Mutation.AMINO_ACIDS;
    List<Row> proteins = new ArrayList<>();
    List<String> seqs = new ArrayList<>();
    for (int p = 0; p < 4; p++) { // P0..P2 for meta-train tasks, P3 for meta-val ones (held-out proteins)
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 30; i++) {
        sb.append(aa.charAt(r.nextInt(20)));
      }
      seqs.add(sb.toString());
      proteins.add(RowFactory.create("P" + p, sb.toString(), "x"));
    }
    List<Row> rows = new ArrayList<>();
    List<Row> variants = new ArrayList<>();
    for (int t = 0; t < train + val; t++) {
      String split = t < train ? "meta-train" : "meta-val";
      String task = String.format("task%02d", t);
      int prot = t < train ? t % 3 : 3;
      String seq = seqs.get(prot);
      double a = 1 + 0.3 * r.nextDouble();
      double b = 0.5 * r.nextDouble();
      int eps = t < train ? episodes : 1;
      for (int e = 0; e <= eps; e++) { // e == eps: the extra variants, in no episode
        for (String role : new String[] {"support", "query"}) {
          for (int v = 0; v < (e == eps ? EXTRA / 2 : shot); v++) {
            int pos = 1 + r.nextInt(seq.length());
            char wt = seq.charAt(pos - 1);
            char mt;
            do {
              mt = aa.charAt(r.nextInt(20));
            } while (mt == wt);
            double y = a * (aa.indexOf(mt) - aa.indexOf(wt)) / 10.0 + b + 0.05 * r.nextDouble();
            String id = task + "-" + e + "-" + role + "-" + v;
            Object[] muts = List.of(RowFactory.create(pos, String.valueOf(wt), String.valueOf(mt))).toArray();
            if (e < eps) {
              rows.add(RowFactory.create(task, split, "fitness", "P" + prot, e, role, id, muts, y));
            }
            variants.add(RowFactory.create(task, "P" + prot, id, muts, y, "synthetic"));
          }
        }
      }
    }
    spark.createDataFrame(proteins, PROTEINS).coalesce(1).write().mode("overwrite").parquet(outDir + "/proteins");
    spark.createDataFrame(rows, EPISODES).repartition(3).write().mode("overwrite").parquet(outDir + "/episodes");
    spark.createDataFrame(variants, VARIANTS).repartition(2).write().mode("overwrite").partitionBy("source")
        .parquet(outDir + "/variants");
  }
}
