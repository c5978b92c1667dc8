package org.metamut.lib.sequence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class FastaTest {

  @Test
  void aWrappedRecordIsJoinedAndUpperCased() throws Exception {
    List<Fasta.Record> r = Fasta.parse(new StringReader("\uFEFF>GB1/1-56 protein G\nmqyk\n LIL NG*\n"), "wt.fasta");
    assertEquals(1, r.size());
    assertEquals("GB1/1-56 protein G", r.get(0).header());
    assertEquals("GB1/1-56", r.get(0).name());
    assertEquals("MQYKLILNG", r.get(0).sequence());
    assertEquals(1, r.get(0).line());
  }

  @Test
  void severalRecordsWithCommentsAndBlankLines() {
    String text = "; a comment\n\n>a first\nACD\nEF\n\n>b\r\nGHI\r\n;inner comment\nKL\n>\nMN\n";
    List<Fasta.Record> r = Fasta.parse(text, "multi.fasta");
    assertEquals(List.of("a", "b", "unnamed"), r.stream().map(Fasta.Record::name).toList());
    assertEquals(List.of("ACDEF", "GHIKL", "MN"), r.stream().map(Fasta.Record::sequence).toList());
    assertEquals(List.of(3, 7, 11), r.stream().map(Fasta.Record::line).toList());
    assertEquals("GHIKL", Fasta.select(r, "b", "multi.fasta").sequence());
    assertEquals("ACDEF", Fasta.select(r, null, "multi.fasta").sequence());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fasta.select(r, "z", "multi.fasta"));
    assertTrue(e.getMessage().contains("multi.fasta") && e.getMessage().contains("'z'"), e.getMessage());
  }

  @Test
  void badInputNamesTheFileAndLine() {
    assertBad("ACDE\n>a\nAC\n", "x.fasta line 1: sequence text before the first '>' header");
    assertBad(">a\nACD\nAC1E\n", "x.fasta line 3: '1' (column 3) is not a residue letter");
    assertBad(">a\nAC-E\n", "x.fasta line 2: '-' (column 3) is not a residue letter");
    assertBad(">a\nAC*\nDE\n", "x.fasta line 3: residues after the stop '*' of record 'a'");
    assertBad(">a\nACD\n>empty one\n\n>c\nAA\n", "x.fasta line 3: record 'empty one' has no residues");
    assertBad("", "x.fasta: not a FASTA file (no line starts with '>')");
    assertBad("; only a comment\n", "x.fasta: not a FASTA file (no line starts with '>')");
  }

  private static void assertBad(String text, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fasta.parse(text, "x.fasta"));
    assertEquals(message, e.getMessage());
  }
}
