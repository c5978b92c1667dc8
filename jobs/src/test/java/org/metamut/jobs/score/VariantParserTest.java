package org.metamut.jobs.score;

import org.junit.jupiter.api.Test;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.mutation.Notation;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library-file parser accepts every notation the ingestion does (no Spark needed). */
class VariantParserTest {
  static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";

  private static List<Mutation> ok(VariantParser p, String text) {
    Candidate c = p.parse(1, text);
    assertTrue(c.isValid(), text + ": " + c.message());
    return c.mutations();
  }

  @Test
  void everyNotation() {
    VariantParser one = new VariantParser(WT, Notation.oneBased());
    List<Mutation> k2a = List.of(new Mutation(2, 'K', 'A'));
    assertEquals(k2a, ok(one, "K2A"));
    assertEquals(k2a, ok(one, " k2a "));
    assertEquals(List.of(new Mutation(2, 'K', 'A'), new Mutation(3, 'T', 'W')), ok(one, "T3W:K2A"), "sorted");
    assertEquals(ok(one, "K2A:T3W"), ok(one, "K2A,T3W"));
    assertEquals(ok(one, "K2A:T3W"), ok(one, "K2A;T3W"));
    assertEquals(List.of(), ok(one, "WT"));
    assertEquals(k2a, ok(one, "K2A:T3T"), "synonymous dropped");
    assertEquals(k2a, ok(one, "MA" + WT.substring(2)), "full mutant sequence");
    // METL style: 0-based, comma-separated
    VariantParser zero = new VariantParser(WT, Notation.oneBased().withIndexBase(0));
    assertEquals(k2a, ok(zero, "K1A"));
    // UniProt numbering of a construct starting at residue 101
    VariantParser off = new VariantParser(WT, Notation.oneBased().withOffset(100));
    assertEquals(k2a, ok(off, "K102A"));
  }

  @Test
  void refusalsCarryTheIngestionReason() {
    VariantParser p = new VariantParser(WT, Notation.oneBased());
    assertEquals("BAD_AMINO_ACID", p.parse(1, "K2J").reason());
    assertEquals("POSITION_OUT_OF_RANGE", p.parse(1, "K200A").reason());
    assertEquals("WT_MISMATCH", p.parse(1, "A2G").reason());
    assertEquals("DUPLICATE_POSITION", p.parse(1, "K2A:K2G").reason());
    assertEquals("BAD_NOTATION", p.parse(1, null).reason());
    assertEquals("SEQUENCE_LENGTH_MISMATCH", p.parse(1, WT + "AA").reason());
    assertFalse(p.parse(7, "A2G").isValid());
    assertEquals(7, p.parse(7, "A2G").index());
  }
}
