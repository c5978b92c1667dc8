package org.metamut.jobs.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.metamut.jobs.schema.Schemas;
import org.metamut.lib.sequence.Fasta;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * The {@code proteins} Parquet table ({@link Schemas#PROTEINS}, written by ingest, read by meta-train, evaluate
 * and score) and wild types from FASTA files. Both are small (one row per distinct sequence), so they are read
 * on the driver. Sequences are returned as stored: ingest upper-cases them and checks the letters.
 */
public final class Proteins {
  private Proteins() {
  }

  /** A protein: its id and wild-type sequence (upper case). */
  public record Protein(String id, String sequence) {
  }

  /** protein_id → sequence of every protein in the table at {@code dir}. */
  public static Map<String, String> sequences(SparkSession spark, String dir) {
    Map<String, String> out = new HashMap<>();
    for (Row r : read(spark, dir).select("protein_id", "sequence").collectAsList()) {
      out.put(r.getString(0), r.getString(1));
    }
    return out;
  }

  /** Protein {@code id} of the table at {@code dir}; fails naming the table when it is not there. */
  public static Protein fromTable(SparkSession spark, String dir, String id) {
    List<Row> rows = read(spark, dir).filter(col("protein_id").equalTo(id)).select("sequence").limit(1).collectAsList();
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("protein '" + id + "' is not in the proteins table at " + dir);
    }
    return new Protein(id, rows.get(0).getString(0));
  }

  /**
   * The record of the FASTA file at {@code path} named {@code id} (the first word of its header), or its first
   * record when {@code id} is null. The result's id is the record's name.
   */
  public static Protein fromFasta(Configuration hadoop, String path, String id) {
    List<Fasta.Record> records;
    try {
      records = fasta(hadoop, new Path(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read FASTA " + path + ": " + e.getMessage(), e);
    }
    Fasta.Record r = Fasta.select(records, id, path);
    return new Protein(r.name(), r.sequence());
  }

  /** Every record of the FASTA file at {@code p} (local or HDFS); malformed text fails naming file and line. */
  public static List<Fasta.Record> fasta(Configuration hadoop, Path p) throws IOException {
    FileSystem fs = p.getFileSystem(hadoop);
    try (Reader in = new InputStreamReader(fs.open(p), StandardCharsets.UTF_8)) {
      return Fasta.parse(in, p.toString());
    }
  }

  /**
   * Writes the table (one Parquet file) at {@code path}. Each row holds the {@link Schemas#PROTEINS} columns by
   * name, {@code aliases} as a {@code List<String>}; a missing {@code split} is null.
   */
  @SuppressWarnings("unchecked")
  public static void write(SparkSession spark, List<Map<String, Object>> proteins, String path) {
    List<Row> rows = new ArrayList<>();
    for (Map<String, Object> p : proteins) {
      List<Object> aliases = (List<Object>) p.get("aliases");
      rows.add(RowFactory.create(p.get("protein_id"), p.get("sequence"), p.get("sha256"), p.get("length"),
          p.get("name"), scala.jdk.javaapi.CollectionConverters.asScala(aliases).toList(), p.get("group_id"), p.get("split")));
    }
    spark.createDataFrame(rows, Schemas.PROTEINS).coalesce(1).write().parquet(path);
  }

  private static Dataset<Row> read(SparkSession spark, String dir) {
    try {
      return spark.read().parquet(dir);
    } catch (Exception e) { // AnalysisException, not a RuntimeException in Java terms
      throw new IllegalArgumentException("cannot read the proteins table at " + dir + " (run 'metamut ingest' first): "
          + e.getMessage(), e);
    }
  }
}
