package org.metamut.jobs.ingest;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The line reader and the field splitter on the awkward inputs real files have. */
class ReadingTest {

  private static List<LineReader.Line> lines(byte[] bytes, int max) throws Exception {
    LineReader r = new LineReader(new ByteArrayInputStream(bytes), max);
    List<LineReader.Line> out = new ArrayList<>();
    LineReader.Line l;
    while ((l = r.next()) != null) {
      out.add(l);
    }
    return out;
  }

  @Test
  void bomCrlfAndMissingFinalNewline() throws Exception {
    byte[] b = "\uFEFFvariant,score\r\nK1E,0.5\r\n\r\nS0A,1".getBytes(StandardCharsets.UTF_8);
    List<LineReader.Line> ls = lines(b, 1024);
    assertEquals(4, ls.size());
    assertEquals("variant,score", ls.get(0).text());
    assertEquals("K1E,0.5", ls.get(1).text());
    assertEquals("", ls.get(2).text());
    assertEquals("S0A,1", ls.get(3).text());
    assertEquals(4, ls.get(3).number());
  }

  @Test
  void emptyInputHasNoLines() throws Exception {
    assertEquals(0, lines(new byte[0], 1024).size());
  }

  @Test
  void aHugeLineIsCutNotHeld() throws Exception {
    String garbage = "x".repeat(300_000);
    List<LineReader.Line> ls = lines(("a,b\n" + garbage + "\nK1E,2\n").getBytes(StandardCharsets.UTF_8), 4096);
    assertEquals(3, ls.size());
    assertTrue(ls.get(1).tooLong());
    assertEquals(300_000, ls.get(1).bytes());
    assertTrue(ls.get(1).text().length() <= 4096);
    assertFalse(ls.get(2).tooLong());
    assertEquals("K1E,2", ls.get(2).text());
  }

  @Test
  void quotedFields() throws Exception {
    assertEquals(List.of("a", "b,c", "say \"hi\"", ""), DelimitedLine.split("a,\"b,c\",\"say \"\"hi\"\"\",", ','));
    assertEquals(List.of("K1E", "0.5"), DelimitedLine.split("K1E\t0.5", '\t'));
    assertEquals(List.of("", ""), DelimitedLine.split(",", ','));
    assertThrows(DelimitedLine.BadQuoting.class, () -> DelimitedLine.split("a,\"open", ','));
    assertThrows(DelimitedLine.BadQuoting.class, () -> DelimitedLine.split("a,\"x\"y,b", ','));
  }
}
