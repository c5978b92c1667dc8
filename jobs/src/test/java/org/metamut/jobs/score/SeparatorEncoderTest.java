package org.metamut.jobs.score;

import org.junit.jupiter.api.Test;
import org.metamut.lib.mutation.Mutation;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SeparatorEncoderTest {

  @Test
  void shortSequenceIsWholeWithMutationsInLine() {
    // M=16, K=14, A=6, G=11 (6 + index in ACDEFGHIKLMNPQRSTVWY)
    int[] ids = new SeparatorEncoder(64).encode("MKA", List.of(new Mutation(2, 'K', 'G')));
    assertArrayEquals(new int[] {2, 16, 14, 5, 11, 6, 3}, ids);
    assertArrayEquals(new int[] {2, 16, 14, 6, 3}, new SeparatorEncoder(64).encode("MKA", List.of()));
  }

  @Test
  void longSequenceIsCroppedToAWindowHoldingEverySite() {
    String wt = "ACDEFGHIKLMNPQRSTVWY".repeat(10); // 200
    SeparatorEncoder enc = new SeparatorEncoder(16);
    for (int p = 1; p <= wt.length(); p++) {
      Mutation m = new Mutation(p, wt.charAt(p - 1), wt.charAt(p - 1) == 'A' ? 'G' : 'A');
      int[] ids = enc.encode(wt, List.of(m));
      assertEquals(16, ids.length, "window of 12 residues + BOS, EOS, SEP, mt");
      int sep = 0;
      for (int id : ids) {
        sep += id == SeparatorEncoder.SEP ? 1 : 0;
      }
      assertEquals(1, sep, "the site is inside the window at position " + p);
    }
    // Two sites 10 apart fit in a 10-residue window only if the span is <= 10.
    assertEquals(16, enc.encode(wt, List.of(new Mutation(50, wt.charAt(49), 'W'), new Mutation(59, wt.charAt(58), 'W'))).length);
    VariantEncoder.Unencodable e = assertThrows(VariantEncoder.Unencodable.class,
        () -> enc.encode(wt, List.of(new Mutation(50, wt.charAt(49), 'W'), new Mutation(60, wt.charAt(59), 'W'))));
    assertEquals("SITES_OUTSIDE_WINDOW", e.reason());
  }
}
