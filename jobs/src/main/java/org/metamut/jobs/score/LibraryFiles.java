package org.metamut.jobs.score;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;

/**
 * Reading library and labelled-variant files: CSV ({@code .csv}), TSV ({@code .tsv}, {@code .tab},
 * {@code .txt}) with a header line, or Parquet ({@code .parquet} or a folder). The variant column is named, or
 * found among {@link #VARIANT_COLUMNS}; the label column likewise among {@link #LABEL_COLUMNS}.
 */
public final class LibraryFiles {
  private LibraryFiles() {
  }

  /** Column names tried, in order, when no variant column is given. */
  public static final List<String> VARIANT_COLUMNS = List.of("variant", "variants", "mutations", "mutation", "mutant",
      "mutant_sequence", "mutated_sequence", "sequence", "seq");

  /** Column names tried, in order, when no label column is given. */
  public static final List<String> LABEL_COLUMNS = List.of("label", "value", "score", "y", "fitness", "dms_score",
      "target");

  /** The file as a DataFrame of strings (CSV/TSV) or its own types (Parquet). */
  public static Dataset<Row> load(SparkSession spark, String path) {
    try {
      org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(path);
      if (!hp.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(hp)) {
        throw new IllegalArgumentException("file " + path + " does not exist");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
    String p = path.toLowerCase(Locale.ROOT);
    if (p.endsWith(".csv")) {
      return spark.read().option("header", "true").option("mode", "PERMISSIVE").csv(path);
    }
    if (p.endsWith(".tsv") || p.endsWith(".tab") || p.endsWith(".txt")) {
      return spark.read().option("header", "true").option("sep", "\t").option("mode", "PERMISSIVE").csv(path);
    }
    return spark.read().parquet(path);
  }

  /** Finds a column: the given name (case-insensitive), else the first of the candidates present. */
  public static String column(Dataset<Row> df, String given, List<String> candidates, String what, String path) {
    List<String> cols = Arrays.asList(df.columns());
    if (given != null && !given.isBlank()) {
      for (String c : cols) {
        if (c.equalsIgnoreCase(given)) {
          return c;
        }
      }
      throw new IllegalArgumentException(path + " has no " + what + " column '" + given + "' (columns: " + cols + ")");
    }
    for (String want : candidates) {
      for (String c : cols) {
        if (c.equalsIgnoreCase(want)) {
          return c;
        }
      }
    }
    throw new IllegalArgumentException(path + " has none of the " + what + " columns " + candidates + " (columns: " + cols
        + "); name one with the option for it");
  }

  /** A library file as {@link ScoreSchemas#INPUT} rows: 1-based row number and the variant text. */
  public static Dataset<Row> read(SparkSession spark, String path, String variantColumn) {
    Dataset<Row> df = load(spark, path);
    String c = column(df, variantColumn, VARIANT_COLUMNS, "variant", path);
    var texts = df.select(col(c).cast(DataTypes.StringType)).javaRDD().map(r -> r.isNullAt(0) ? null : r.getString(0));
    return spark.createDataFrame(ScoreJob.indexRows(texts), ScoreSchemas.INPUT);
  }

  /** Labelled variants: {@code (index, text, label)}; the label is null where the cell is not a number. */
  public static Dataset<Row> readLabelled(SparkSession spark, String path, String variantColumn, String labelColumn) {
    Dataset<Row> df = load(spark, path);
    String v = column(df, variantColumn, VARIANT_COLUMNS, "variant", path);
    String l = column(df, labelColumn, LABEL_COLUMNS, "label", path);
    return df.select(col(v).cast(DataTypes.StringType).as("text"), col(l).try_cast(DataTypes.DoubleType).as("label"));
  }
}
