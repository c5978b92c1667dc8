package org.metamut.jobs.train;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import org.apache.hadoop.fs.Syncable;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An append-only file of rows, as JSON lines (one object a line, keys in the row's order) or CSV (a header, then
 * one line a row, values in the column order), written through Jackson so that any value is escaped. Each row is
 * flushed (and hflushed on HDFS) as it is written: a reader, or a resume after a crash, sees every finished row.
 * A row's missing or null value is JSON {@code null} and an empty CSV field.
 */
final class RowLog implements Closeable {
  enum Format { JSONL, CSV }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CsvMapper CSV = new CsvMapper();

  private final OutputStream out;
  private final Format format;
  private final List<String> columns;
  private final ObjectWriter csvRow;

  /** Starts a log on {@code out} (a CSV log writes its header now); {@code columns}: the CSV columns. */
  RowLog(OutputStream out, Format format, List<String> columns) throws IOException {
    this.out = out;
    this.format = format;
    this.columns = List.copyOf(columns);
    CsvSchema.Builder schema = CsvSchema.builder();
    columns.forEach(schema::addColumn);
    this.csvRow = CSV.writer(schema.build().withoutHeader());
    if (format == Format.CSV) {
      out.write(csvRow.writeValueAsBytes(columns)); // the header, escaped like any row
      out.flush(); // a log that a killed run leaves has its header: a resume can read it
    }
  }

  void append(Map<String, ?> row) throws IOException {
    if (format == Format.JSONL) {
      out.write(JSON.writeValueAsBytes(row));
      out.write('\n');
    } else {
      List<Object> values = new ArrayList<>();
      for (String c : columns) {
        values.add(row.get(c));
      }
      out.write(csvRow.writeValueAsBytes(values)); // the CSV writer ends the line itself
    }
    out.flush();
    if (out instanceof Syncable s) {
      s.hflush();
    }
  }

  /** The rows of a log written in {@code format}: JSON values as Jackson maps them, CSV values as strings. */
  static List<Map<String, Object>> read(InputStream in, Format format) throws IOException {
    MappingIterator<Map<String, Object>> it = format == Format.JSONL
        ? JSON.readerFor(Map.class).readValues(in)
        : CSV.readerFor(Map.class).with(CsvSchema.emptySchema().withHeader()).readValues(in);
    List<Map<String, Object>> rows = new ArrayList<>();
    while (it.hasNextValue()) {
      rows.add(new LinkedHashMap<>(it.nextValue()));
    }
    return rows;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
