package org.metamut.lib.sequence;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one FASTA parser (wild types for ingest and for scoring). Accepted: a byte-order mark, blank lines and
 * {@code ;} comment lines anywhere; records {@code >header} followed by sequence lines whose white space is
 * dropped and letters upper-cased; one {@code *} (stop) at the very end of a record, which is dropped. Refused,
 * with the file and line in the message: text before the first header, a character that is not a letter, a
 * record without residues, and a file without records. Residue letters beyond the 20 standard ones (X, B, …)
 * pass: whether they can be encoded is the encoder's decision.
 */
public final class Fasta {
  private Fasta() {
  }

  /**
   * One record.
   *
   * @param header the text after {@code >}, stripped (e.g. {@code "GB1/1-56 protein G"})
   * @param sequence upper-case residue letters, without white space or the final stop
   * @param line the 1-based line number of the header, for messages
   */
  public record Record(String header, String sequence, int line) {
    /** The first word of the header ({@code "unnamed"} when the header is empty): the record's id. */
    public String name() {
      return header.isEmpty() ? "unnamed" : header.split("\\s+", 2)[0];
    }
  }

  /** The records of {@code text}; {@code file} names it in messages. */
  public static List<Record> parse(String text, String file) {
    try {
      return parse(new StringReader(text), file);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringReader does not fail
    }
  }

  /**
   * The records of {@code in}, read to its end (not closed here).
   *
   * @throws IllegalArgumentException on malformed text, naming {@code file} and the line
   * @throws IOException when reading fails
   */
  public static List<Record> parse(Reader in, String file) throws IOException {
    BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
    List<Record> out = new ArrayList<>();
    String header = null;
    int headerLine = 0;
    StringBuilder seq = new StringBuilder();
    boolean stopped = false;
    String raw;
    int lineNo = 0;
    while ((raw = r.readLine()) != null) {
      lineNo++;
      String line = (lineNo == 1 && raw.startsWith("\uFEFF") ? raw.substring(1) : raw).strip();
      if (line.isEmpty() || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith(">")) {
        if (header != null) {
          out.add(finish(header, headerLine, seq, file));
        }
        header = line.substring(1).strip();
        headerLine = lineNo;
        seq.setLength(0);
        stopped = false;
        continue;
      }
      if (header == null) {
        throw bad(file, lineNo, "sequence text before the first '>' header");
      }
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (Character.isWhitespace(c)) {
          continue;
        }
        if (stopped) {
          throw bad(file, lineNo, "residues after the stop '*' of record '" + header + "'");
        }
        if (c == '*') {
          stopped = true;
        } else if (c < 128 && Character.isLetter(c)) {
          seq.append(Character.toUpperCase(c));
        } else {
          throw bad(file, lineNo, "'" + c + "' (column " + (i + 1) + ") is not a residue letter");
        }
      }
    }
    if (header != null) {
      out.add(finish(header, headerLine, seq, file));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + ": not a FASTA file (no line starts with '>')");
    }
    return out;
  }

  /** The record named {@code name} ({@link Record#name()}), or the first record when {@code name} is null. */
  public static Record select(List<Record> records, String name, String file) {
    for (Record rec : records) {
      if (name == null || name.equals(rec.name())) {
        return rec;
      }
    }
    throw new IllegalArgumentException(file + " has no FASTA record named '" + name + "' (has "
        + records.stream().map(Record::name).toList() + ")");
  }

  private static Record finish(String header, int line, StringBuilder seq, String file) {
    if (seq.isEmpty()) {
      throw bad(file, line, "record '" + header + "' has no residues");
    }
    return new Record(header, seq.toString(), line);
  }

  private static IllegalArgumentException bad(String file, int line, String what) {
    return new IllegalArgumentException(file + " line " + line + ": " + what);
  }
}
