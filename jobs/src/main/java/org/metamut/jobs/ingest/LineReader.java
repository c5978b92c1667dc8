package org.metamut.jobs.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a file line by line from a stream, counting lines from 1: strips a UTF-8 byte-order mark at the
 * start, accepts {@code \n} and {@code \r\n} endings (and a last line without one), and never holds more
 * than {@code maxLineBytes} of one line: a longer line is returned as {@link Line#tooLong} with its first
 * bytes only, so a line of garbage megabytes long costs no memory. Bytes that are not UTF-8 are replaced.
 * Not thread-safe; one per file.
 */
final class LineReader {

  /** One line: its 1-based number, its text (without the line ending) and whether it was cut. */
  record Line(long number, String text, boolean tooLong, long bytes) {
  }

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int len;
  private long lineNo;
  private boolean first = true;
  private boolean eof;

  LineReader(InputStream in, int maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  private byte[] line = new byte[256];

  /** The next line, or null at the end of the file. */
  Line next() throws IOException {
    if (eof) {
      return null;
    }
    int kept = 0;          // bytes of this line held in `line` (at most maxLineBytes + 1)
    long total = 0;        // bytes of this line in the file (without the '\n')
    boolean sawAny = false;
    while (true) {
      if (pos == len) {
        len = in.read(buf);
        pos = 0;
        if (len <= 0) {
          eof = true;
          len = 0;
          if (!sawAny) {
            return null;
          }
          break;
        }
      }
      sawAny = true;
      int start = pos;
      while (pos < len && buf[pos] != '\n') {
        pos++;
      }
      int n = pos - start;
      int room = (int) Math.max(0, Math.min(n, (long) maxLineBytes + 1 - kept));
      if (room > 0) {
        if (kept + room > line.length) {
          line = java.util.Arrays.copyOf(line, Math.max(kept + room, line.length * 2));
        }
        System.arraycopy(buf, start, line, kept, room);
        kept += room;
      }
      total += n;
      if (pos < len) { // found '\n'
        pos++;
        break;
      }
    }
    lineNo++;
    int from = 0;
    if (first) {
      first = false;
      if (kept >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB && (line[2] & 0xff) == 0xBF) {
        from = 3;
        total -= 3;
      }
    }
    boolean tooLong = total > maxLineBytes + (kept > 0 && line[kept - 1] == '\r' ? 1 : 0);
    int to = Math.min(kept, from + maxLineBytes);
    if (!tooLong && to > from && line[to - 1] == '\r') {
      to--;
    }
    return new Line(lineNo, decode(line, from, to), tooLong, total);
  }

  /** UTF-8; malformed bytes become U+FFFD (the String constructor's replacement behaviour). */
  private static String decode(byte[] b, int from, int to) {
    return new String(b, from, to - from, StandardCharsets.UTF_8);
  }
}
