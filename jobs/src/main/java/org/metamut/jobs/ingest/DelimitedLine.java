package org.metamut.jobs.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one line of a delimited file (RFC 4180 style): fields may be quoted with {@code "}, a quote inside
 * a quoted field is doubled. Records spanning lines are not supported (none of the bundled files has
 * them): a quote left open at the end of the line is an error.
 */
final class DelimitedLine {
  private DelimitedLine() {
  }

  /** Thrown for an unbalanced quote. */
  static final class BadQuoting extends Exception {
    private static final long serialVersionUID = 1L;

    BadQuoting(String msg) {
      super(msg, null, false, false);
    }
  }

  static List<String> split(String line, char delimiter) throws BadQuoting {
    List<String> out = new ArrayList<>();
    int n = line.length();
    int i = 0;
    while (true) {
      if (i < n && line.charAt(i) == '"') {
        StringBuilder sb = new StringBuilder();
        i++;
        boolean closed = false;
        while (i < n) {
          char c = line.charAt(i);
          if (c == '"') {
            if (i + 1 < n && line.charAt(i + 1) == '"') {
              sb.append('"');
              i += 2;
            } else {
              closed = true;
              i++;
              break;
            }
          } else {
            sb.append(c);
            i++;
          }
        }
        if (!closed) {
          throw new BadQuoting("a quoted field is not closed before the end of the line");
        }
        if (i < n && line.charAt(i) != delimiter) {
          throw new BadQuoting("text after the closing quote of field " + (out.size() + 1));
        }
        out.add(sb.toString());
      } else {
        int j = line.indexOf(delimiter, i);
        int end = j < 0 ? n : j;
        out.add(line.substring(i, end));
        i = end;
      }
      if (i >= n) {
        break;
      }
      i++; // skip delimiter
      if (i == n) {
        out.add("");
        break;
      }
    }
    return out;
  }
}
