package org.metamut.lib.mutation;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NotationTest {
  // METL avgfp wild type starts SKGEELFTGV...
  static final String WT = "SKGEELFTGVVPILVELDGDVNGHKFSVSGEGEGDATYGKLTLKF";

  @Test
  void zeroBasedCommaSeparatedMetlStyle() {
    Notation n = new Notation(0, 0, ",", Set.of());
    List<Mutation> v = n.parseVariant("K1E,S0A", WT);
    assertEquals(List.of(new Mutation(1, 'S', 'A'), new Mutation(2, 'K', 'E')), v, "sorted, 1-based");
    assertEquals("S1A:K2E", Notation.format(v));
  }

  @Test
  void oneBasedColonSeparatedWithOffsetAndWildTypeLabel() {
    Notation n = Notation.oneBased().withOffset(23); // e.g. BLAT_ECOLX/24-286
    assertEquals(List.of(new Mutation(1, 'S', 'T')), n.parseVariant("S24T", WT));
    assertEquals(List.of(), n.parseVariant("wt", WT));
    assertEquals(24, n.toSource(1));
  }

  @Test
  void formatThenParseRoundTrips() {
    List<Mutation> v = List.of(new Mutation(3, 'G', 'A'), new Mutation(10, 'V', 'W'));
    assertEquals(v, Notation.oneBased().parseVariant(Notation.format(v), WT));
  }

  @Test
  void synonymousSubstitutionsAreDropped() {
    assertEquals(List.of(new Mutation(2, 'K', 'E')), Notation.oneBased().parseVariant("S1S:K2E", WT));
    assertEquals(List.of(), Notation.oneBased().parseVariant("S1S", WT));
  }

  @Test
  void everyRefusalHasItsReason() {
    Notation n = Notation.oneBased();
    assertReason(NotationException.Reason.BAD_AMINO_ACID, () -> n.parseVariant("S1B", WT));
    assertReason(NotationException.Reason.BAD_AMINO_ACID, () -> n.parseVariant("X1A", WT));
    assertReason(NotationException.Reason.WT_MISMATCH, () -> n.parseVariant("A1G", WT));
    assertReason(NotationException.Reason.POSITION_OUT_OF_RANGE, () -> n.parseVariant("S0A", WT));
    assertReason(NotationException.Reason.POSITION_OUT_OF_RANGE, () -> n.parseVariant("S999A", WT));
    assertReason(NotationException.Reason.BAD_NOTATION, () -> n.parseVariant("S1", WT));
    assertReason(NotationException.Reason.BAD_NOTATION, () -> n.parseVariant("Sx1A", WT));
    assertReason(NotationException.Reason.BAD_NOTATION, () -> n.parseVariant("S1A::K2E", WT));
    assertReason(NotationException.Reason.BAD_NOTATION, () -> n.parseVariant("", WT));
    assertReason(NotationException.Reason.DUPLICATE_POSITION, () -> n.parseVariant("S1A:S1G", WT));
  }

  @Test
  void diffOfMutantSequence() {
    String mut = "A" + WT.substring(1, 5) + "W" + WT.substring(6);
    assertEquals(List.of(new Mutation(1, 'S', 'A'), new Mutation(6, 'L', 'W')), Notation.diff(WT, mut));
    assertEquals(List.of(), Notation.diff(WT, WT));
    assertReason(NotationException.Reason.SEQUENCE_LENGTH_MISMATCH, () -> Notation.diff(WT, WT + "A"));
    assertReason(NotationException.Reason.BAD_AMINO_ACID, () -> Notation.diff(WT, "*" + WT.substring(1)));
  }

  private static void assertReason(NotationException.Reason r, Runnable call) {
    NotationException e = assertThrows(NotationException.class, call::run);
    assertEquals(r, e.reason(), e.getMessage());
    assertTrue(!e.getMessage().isBlank());
  }
}
