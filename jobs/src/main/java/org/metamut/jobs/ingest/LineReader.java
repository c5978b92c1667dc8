package org.metamut.jobs.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;

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

  /** The next line, or null at the end of the file. */
  Line next() throws IOException {
    if (eof) {
      return null;
    }
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    long total = 0;
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
      int room = (int) Math.max(0, Math.min(n, (long) maxLineBytes + 1 - line.size()));
      line.write(buf, start, room);
      total += n;
      if (pos < len) { // found '\n'
        pos++;
        break;
      }
    }
    lineNo++;
    byte[] bytes = line.toByteArray();
    int from = 0;
    if (first) {
      first = false;
      if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF) {
        from = 3;
        total -= 3;
      }
    }
    boolean tooLong = total > maxLineBytes;
    int to = Math.min(bytes.length, from + maxLineBytes);
    if (!tooLong && to > from && bytes[to - 1] == '\r') {
      to--;
    }
    return new Line(lineNo, decode(bytes, from, to), tooLong, total);
  }

  private static String decode(byte[] b, int from, int to) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(b, from, to - from)).toString();
    } catch (CharacterCodingException e) {
      return new String(b, from, to - from, StandardCharsets.UTF_8);
    }
  }
}
