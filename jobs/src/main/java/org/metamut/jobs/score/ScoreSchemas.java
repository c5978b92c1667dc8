package org.metamut.jobs.score;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.metamut.lib.mutation.Mutation;

import java.util.List;

/** Parquet schemas of the score job's outputs. */
public final class ScoreSchemas {
  private ScoreSchemas() {
  }

  public static final StructType MUTATION = new StructType(new StructField[] {
      DataTypes.createStructField("pos", DataTypes.IntegerType, false),
      DataTypes.createStructField("wt", DataTypes.StringType, false),
      DataTypes.createStructField("mt", DataTypes.StringType, false)});

  /**
   * {@code scores/}: {@code index} (library index, or 1-based row of the library file), {@code variant}
   * (canonical {@code A23G:D40K}, {@code WT} for the wild type), {@code mutations} (1-based), {@code num_mutations},
   * {@code score} (the model's prediction; see {@code summary.json} for its scale), {@code score_label_units}
   * (the score mapped back to the labels' units, null without labels), {@code model_id}, {@code score_sd} (the
   * predictive standard deviation on the scale of {@code score}; null when the model has none, see
   * src/docs/score.md) and {@code score_sd_label_units} (the same in the labels' units).
   */
  public static final StructType SCORES = new StructType(new StructField[] {
      DataTypes.createStructField("index", DataTypes.LongType, false),
      DataTypes.createStructField("variant", DataTypes.StringType, false),
      DataTypes.createStructField("mutations", DataTypes.createArrayType(MUTATION, false), false),
      DataTypes.createStructField("num_mutations", DataTypes.IntegerType, false),
      DataTypes.createStructField("score", DataTypes.DoubleType, false),
      DataTypes.createStructField("score_label_units", DataTypes.DoubleType, true),
      DataTypes.createStructField("model_id", DataTypes.StringType, false),
      DataTypes.createStructField("score_sd", DataTypes.DoubleType, true),
      DataTypes.createStructField("score_sd_label_units", DataTypes.DoubleType, true)});

  /** {@code rejected/}: {@code index}, {@code input} (the text as given), {@code reason} (stable code), {@code message}. */
  public static final StructType REJECTED = new StructType(new StructField[] {
      DataTypes.createStructField("index", DataTypes.LongType, false),
      DataTypes.createStructField("input", DataTypes.StringType, true),
      DataTypes.createStructField("reason", DataTypes.StringType, false),
      DataTypes.createStructField("message", DataTypes.StringType, false)});

  /** A file library's rows before parsing: {@code index} (1-based row), {@code text}. */
  public static final StructType INPUT = new StructType(new StructField[] {
      DataTypes.createStructField("index", DataTypes.LongType, false),
      DataTypes.createStructField("text", DataTypes.StringType, true)});

  static Row[] mutationRows(List<Mutation> muts) {
    Row[] out = new Row[muts.size()];
    for (int i = 0; i < out.length; i++) {
      Mutation m = muts.get(i);
      out[i] = RowFactory.create(m.pos(), String.valueOf(m.wt()), String.valueOf(m.mt()));
    }
    return out;
  }
}
