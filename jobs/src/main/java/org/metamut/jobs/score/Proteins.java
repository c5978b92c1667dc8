package org.metamut.jobs.score;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;

/** The wild-type sequence to score against: from the ingested {@code proteins} table or a FASTA file. */
public final class Proteins {
  private Proteins() {
  }

  /** A protein: its id and wild-type sequence (upper case, standard letters as stored). */
  public record Protein(String id, String sequence) {
  }

  /** Looks {@code id} up in the {@code proteins} Parquet table ({@code protein_id, sequence, sha256}). */
  public static Protein fromTable(SparkSession spark, String proteinsDir, String id) {
    List<Row> rows;
    try {
      rows = spark.read().parquet(proteinsDir).filter(col("protein_id").equalTo(id)).select("sequence").limit(2)
          .collectAsList();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot read the proteins table at " + proteinsDir
          + " (run 'metamut ingest' first, or give --fasta): " + e.getMessage(), e);
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("protein '" + id + "' is not in the proteins table at " + proteinsDir);
    }
    return new Protein(id, clean(rows.get(0).getString(0)));
  }

  /**
   * The record of a FASTA file whose name (first word after {@code >}) is {@code id}, or the first record when
   * {@code id} is null. The id of the result is the record's name.
   */
  public static Protein fromFasta(SparkSession spark, String path, String id) {
    String text;
    try {
      Path p = new Path(path);
      try (FSDataInputStream in = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(p)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read FASTA " + path + ": " + e.getMessage(), e);
    }
    Protein p = parseFasta(text, id);
    if (p == null) {
      throw new IllegalArgumentException(id == null ? "FASTA " + path + " has no record" : "FASTA " + path
          + " has no record named '" + id + "'");
    }
    return p;
  }

  static Protein parseFasta(String text, String id) {
    String name = null;
    StringBuilder seq = new StringBuilder();
    for (String line : text.split("\\R")) {
      String l = line.strip();
      if (l.startsWith(">")) {
        if (name != null && (id == null || id.equals(name))) {
          return new Protein(name, clean(seq.toString()));
        }
        String head = l.substring(1).strip();
        name = head.isEmpty() ? "unnamed" : head.split("\\s+")[0];
        seq.setLength(0);
      } else if (!l.isEmpty() && !l.startsWith(";")) {
        seq.append(l);
      }
    }
    if (name != null && (id == null || id.equals(name))) {
      return new Protein(name, clean(seq.toString()));
    }
    return null;
  }

  private static String clean(String s) {
    String t = s.replaceAll("\\s+", "").toUpperCase(Locale.ROOT);
    return t.endsWith("*") ? t.substring(0, t.length() - 1) : t;
  }
}
