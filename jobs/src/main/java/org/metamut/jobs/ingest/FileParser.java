package org.metamut.jobs.ingest;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;
import org.metamut.lib.mutation.NotationException;
import org.metamut.lib.provenance.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Reads one data file as a stream and turns <b>every</b> line into exactly one parsed row: the header
 * ({@code status = header}), a blank line ({@code blank}), an accepted variant ({@code ok}) or a refused line
 * ({@code quarantine}, with reason and message). So rows read = ok + quarantine, per file, by construction.
 * Runs on executors; holds one line at a time; no static state.
 */
final class FileParser implements Iterator<Row> {

  static final String OK = "ok";
  static final String QUARANTINE = "quarantine";
  static final String BLANK = "blank";
  static final String HEADER = "header";

  /** The intermediate schema, one row per input line. */
  static final StructType PARSED = new StructType()
      .add("source", DataTypes.StringType, false)
      .add("file_id", DataTypes.IntegerType, false)     // index into the run's file list
      .add("line_number", DataTypes.LongType, false)
      .add("status", DataTypes.StringType, false)
      .add("protein_name", DataTypes.StringType, true)
      .add("protein_sha", DataTypes.StringType, true)
      .add("wt_seq", DataTypes.StringType, true)       // only for per-row wild types (column, table)
      .add("variant_key", DataTypes.StringType, true)  // canonical A23G:D40K, WT for none
      .add("raw_value", DataTypes.DoubleType, true)
      .add("raw_line", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("message", DataTypes.StringType, true);

  private final SourceSpec spec;
  private final SourceFile file;
  private final int fileId;
  private final IngestSettings settings;
  private final LineReader reader;
  private final RowAdapter adapter;
  private final Notation notation;
  private final Map<String, String> shaCache = new HashMap<>();
  private String fileSha;
  private Map<String, Integer> columns;
  private int headerSize;
  private String missingColumns;
  private Row nextRow;
  private boolean done;

  FileParser(SourceSpec spec, SourceFile file, int fileId, IngestSettings settings, InputStream in) {
    this.spec = spec;
    this.fileId = fileId;
    this.file = file;
    this.settings = settings;
    this.reader = new LineReader(in, settings.maxLineBytes());
    this.adapter = RowAdapter.of(spec.format());
    this.notation = new Notation(spec.indexBase(), file.offset(), spec.separators(), java.util.Set.copyOf(spec.wildTypeLabels()));
    if (file.wildType() != null) {
      fileSha = sha256(file.wildType());
    }
  }

  @Override
  public boolean hasNext() {
    if (nextRow == null && !done) {
      try {
        LineReader.Line line = reader.next();
        if (line == null) {
          done = true;
        } else {
          nextRow = parse(line);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + file.path() + ": " + e.getMessage(), e);
      }
    }
    return nextRow != null;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row r = nextRow;
    nextRow = null;
    return r;
  }

  private Row parse(LineReader.Line line) {
    if (line.tooLong()) {
      return quarantine(line, Reason.LINE_TOO_LONG.name(), "line of " + line.bytes() + " bytes is longer than "
          + settings.maxLineBytes() + " (metamut.ingest.max-line-bytes)");
    }
    String text = line.text();
    if (text.isBlank()) {
      return row(line.number(), BLANK, null, null, null, null, null, null, null, null);
    }
    List<String> fields;
    try {
      fields = DelimitedLine.split(text, spec.delimiter());
    } catch (DelimitedLine.BadQuoting e) {
      return columns == null ? header(line, splitLoosely(text)) : quarantine(line, Reason.BAD_QUOTING.name(), e.getMessage());
    }
    if (columns == null) {
      return header(line, fields);
    }
    if (missingColumns != null) {
      return quarantine(line, Reason.MISSING_COLUMN.name(), "the header of " + file.path() + " lacks " + missingColumns);
    }
    if (fields.size() != headerSize) {
      return quarantine(line, Reason.BAD_COLUMNS.name(), "line has " + fields.size() + " fields, the header has "
          + headerSize);
    }
    RowAdapter.Row fieldRow = new RowAdapter.Row() {
      @Override
      public String get(String column) {
        return fields.get(columns.get(column));
      }

      @Override
      public boolean has(String column) {
        return columns.containsKey(column);
      }
    };
    try {
      String proteinName = file.proteinName();
      String wt = file.wildType();
      String sha = fileSha;
      String rowWt = null;
      if (spec.multiProtein()) {
        proteinName = fieldRow.get(spec.proteinColumn()).strip();
        if (proteinName.isEmpty()) {
          throw new RowAdapter.RowException(Reason.UNKNOWN_PROTEIN, "empty protein field " + spec.proteinColumn());
        }
        if (spec.wtColumn() != null) {
          wt = fieldRow.get(spec.wtColumn()).strip().toUpperCase(Locale.ROOT);
          if (wt.isEmpty() || !wt.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new RowAdapter.RowException(Reason.BAD_WILD_TYPE, "wild-type sequence in column " + spec.wtColumn()
                + " is empty or has characters other than letters");
          }
        } else {
          wt = file.wtTable().get(proteinName);
          if (wt == null) {
            throw new RowAdapter.RowException(Reason.UNKNOWN_PROTEIN, "protein '" + proteinName
                + "' is not in the wild-type table " + spec.wtTable());
          }
        }
        rowWt = wt;
        sha = shaCache.computeIfAbsent(wt, FileParser::sha256);
      }
      if (settings.strictResidueCase()) {
        requireUpperCase(fieldRow);
      }
      List<Mutation> muts = adapter.variant(spec, fieldRow, wt, notation);
      double value = value(fieldRow.get(spec.valueColumn()));
      if (muts.isEmpty() && !settings.keepWildTypeRows()) {
        return quarantine(line, Reason.WILD_TYPE.name(), "the row is the wild type (metamut.ingest.wild-type-rows = quarantine)");
      }
      return row(line.number(), OK, proteinName, sha, rowWt, Notation.format(muts), value, null, null, null);
    } catch (NotationException e) {
      return quarantine(line, e.reason().name(), e.getMessage());
    } catch (RowAdapter.RowException e) {
      return quarantine(line, e.reason.name(), e.getMessage());
    }
  }

  /** Strict residue case: a lower-case letter in a residue-bearing field (a wild-type label aside) quarantines the row. */
  private void requireUpperCase(RowAdapter.Row fieldRow) throws RowAdapter.RowException {
    for (String column : new String[] {spec.mutationColumn(), spec.sequenceColumn(), spec.wtResidueColumn(),
        spec.mtResidueColumn(), spec.wtColumn()}) {
      if (column == null || !fieldRow.has(column)) {
        continue;
      }
      String v = fieldRow.get(column);
      if (v.chars().anyMatch(c -> c >= 'a' && c <= 'z') && !notation.isWildTypeLabel(v)) {
        throw new RowAdapter.RowException(Reason.LOWER_CASE_RESIDUE, "column " + column + " has lower-case residue "
            + "letters ('" + abbreviate(v) + "'; metamut.ingest.strict-residue-case = true)");
      }
    }
  }

  private Row header(LineReader.Line line, List<String> fields) {
    columns = new HashMap<>();
    for (int i = 0; i < fields.size(); i++) {
      columns.putIfAbsent(fields.get(i).strip(), i); // first of duplicated names wins
    }
    headerSize = fields.size();
    List<String> needed = new ArrayList<>(adapter.columns(spec));
    needed.add(spec.valueColumn());
    if (spec.proteinColumn() != null) {
      needed.add(spec.proteinColumn());
    }
    if (spec.wtColumn() != null) {
      needed.add(spec.wtColumn());
    }
    List<String> missing = needed.stream().filter(c -> !columns.containsKey(c)).toList();
    missingColumns = missing.isEmpty() ? null : "column(s) " + missing + " (it has " + columns.keySet() + ")";
    return row(line.number(), HEADER, null, null, null, null, null, null, null, null);
  }

  private double value(String text) {
    String t = text.strip();
    if (t.isEmpty()) {
      throw new RowAdapter.RowException(Reason.MISSING_VALUE, "empty value in column " + spec.valueColumn());
    }
    if (spec.classLabels() != null) {
      int i = spec.classLabels().indexOf(t);
      if (i < 0) {
        throw new RowAdapter.RowException(Reason.BAD_CLASS, "value '" + abbreviate(t) + "' is not one of the class labels " + spec.classLabels());
      }
      return i - (spec.classLabels().size() - 1) / 2.0;
    }
    char last = t.charAt(t.length() - 1);
    double d;
    try {
      if (Character.isLetter(last) && last != 'N' && last != 'y') { // no "1d", "2f" Java literals; NaN/Infinity pass
        throw new NumberFormatException();
      }
      d = Double.parseDouble(t);
    } catch (NumberFormatException e) {
      throw new RowAdapter.RowException(Reason.BAD_VALUE, "value '" + abbreviate(t) + "' in column "
          + spec.valueColumn() + " is not a number");
    }
    if (!Double.isFinite(d)) {
      throw new RowAdapter.RowException(Reason.NON_FINITE_VALUE, "value '" + t + "' in column " + spec.valueColumn()
          + " is not finite");
    }
    return d;
  }

  private Row quarantine(LineReader.Line line, String reason, String message) {
    String raw = line.text();
    if (raw.length() > settings.rawLineChars()) {
      raw = raw.substring(0, settings.rawLineChars());
    }
    return row(line.number(), QUARANTINE, null, null, null, null, null, raw, reason,
        spec.id() + " " + file.path() + " line " + line.number() + ": " + message);
  }

  private Row row(long lineNo, String status, String protein, String sha, String wt, String key,
                  Double value, String raw, String reason, String message) {
    return RowFactory.create(spec.id(), fileId, lineNo, status, protein, sha, wt, key, value, raw, reason, message);
  }

  private static List<String> splitLoosely(String text) {
    return List.of(text.split(",", -1));
  }

  /** Spark's Row encoder wants a Scala Seq for an array column. */
  static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
    return scala.jdk.javaapi.CollectionConverters.asScala(list).toList();
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }

  /** SHA-256 of the sequence's ASCII bytes (the proteins table's {@code sha256}, whence the protein id). */
  static String sha256(String seq) {
    return Sha256.hex(seq.getBytes(StandardCharsets.US_ASCII));
  }
}
