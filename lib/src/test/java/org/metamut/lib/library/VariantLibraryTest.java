package org.metamut.lib.library;

import org.junit.jupiter.api.Test;
import org.metamut.lib.mutation.Mutation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VariantLibraryTest {
  static final String WT = "MKTAYIAKQRQISFVKSHFSRQ";

  private static List<List<Mutation>> all(VariantLibrary lib) {
    List<List<Mutation>> out = new ArrayList<>();
    for (long i = 0; i < lib.size(); i++) {
      out.add(lib.get(i));
    }
    return out;
  }

  private static void assertCanonical(String wt, List<Mutation> v) {
    assertFalse(v.isEmpty(), "never the wild type itself");
    for (int i = 0; i < v.size(); i++) {
      Mutation m = v.get(i);
      assertEquals(wt.charAt(m.pos() - 1), m.wt(), "wild-type letter matches the sequence: " + v);
      assertFalse(m.isSynonymous(), "no synonymous substitution: " + v);
      if (i > 0) {
        assertTrue(v.get(i - 1).pos() < m.pos(), "sorted, distinct positions: " + v);
      }
    }
  }

  @Test
  void singlesAreExactlyLTimes19DistinctNonWildTypeSubstitutions() {
    SingleSubstitutions lib = new SingleSubstitutions(WT);
    assertEquals(WT.length() * 19L, lib.size());
    List<List<Mutation>> vs = all(lib);
    assertEquals(vs.size(), new HashSet<>(vs).size(), "all distinct");
    Set<String> expected = new HashSet<>();
    for (int p = 1; p <= WT.length(); p++) {
      for (char aa : Mutation.AMINO_ACIDS.toCharArray()) {
        if (aa != WT.charAt(p - 1)) {
          expected.add("" + WT.charAt(p - 1) + p + aa);
        }
      }
    }
    Set<String> got = new HashSet<>();
    for (List<Mutation> v : vs) {
      assertEquals(1, v.size());
      assertCanonical(WT, v);
      got.add(v.get(0).toString());
    }
    assertEquals(expected, got);
    assertEquals("M1A", lib.get(0).get(0).toString());
    assertEquals("Q" + WT.length() + "Y", lib.get(lib.size() - 1).get(0).toString());
    assertThrows(IndexOutOfBoundsException.class, () -> lib.get(lib.size()));
  }

  @Test
  void combinatorialCountsAndContents() {
    // Site 2 is K: "KAV" allows A, V (+ wt K); site 5 is Y: all 20 → 19 + wt; site 7 is A: "G" → G + wt.
    CombinatorialLibrary lib = new CombinatorialLibrary(WT, Map.of(5, Mutation.AMINO_ACIDS, 2, "KAV", 7, "g"));
    assertEquals(3L * 20 * 2 - 1, lib.size());
    List<List<Mutation>> vs = all(lib);
    assertEquals(vs.size(), new HashSet<>(vs).size(), "all distinct");
    int[] bySize = new int[4];
    for (List<Mutation> v : vs) {
      assertCanonical(WT, v);
      bySize[v.size()]++;
      for (Mutation m : v) {
        assertTrue(m.pos() == 2 || m.pos() == 5 || m.pos() == 7);
      }
    }
    // singles: 2 + 19 + 1; doubles: 2*19 + 2*1 + 19*1; triples: 2*19*1
    assertEquals(22, bySize[1]);
    assertEquals(59, bySize[2]);
    assertEquals(38, bySize[3]);
    assertEquals("A7G", lib.get(0).get(0).toString(), "last site varies fastest");
  }

  @Test
  void combinatorialSiteTextAndErrors() {
    Map<Integer, String> sites = CombinatorialLibrary.parseSites("39:*, 40:AV;41:g");
    assertEquals(Map.of(39, Mutation.AMINO_ACIDS, 40, "AV", 41, "g"), sites);
    String gb1ish = "A".repeat(41);
    assertEquals(20L * 2 * 2 - 1, new CombinatorialLibrary(gb1ish, sites).size(), "A is the wild type: 40:AV adds only V");
    assertThrows(IllegalArgumentException.class, () -> new CombinatorialLibrary(WT, Map.of(99, "A")));
    assertThrows(IllegalArgumentException.class, () -> new CombinatorialLibrary(WT, Map.of(1, "M")), "wt only");
    assertThrows(IllegalArgumentException.class, () -> new CombinatorialLibrary(WT, Map.of(1, "B")));
    assertThrows(IllegalArgumentException.class, () -> CombinatorialLibrary.parseSites("39AV"));
    // 4 sites x all residues: the GB1-style library.
    CombinatorialLibrary four = new CombinatorialLibrary(WT, CombinatorialLibrary.parseSites("1:*,2:*,3:*,4:*"));
    assertEquals(159_999L, four.size());
    assertEquals(4, four.get(four.size() - 1).size());
  }

  @Test
  void randomMutantsAreSeededPerIndexAndHaveKSites() {
    RandomMutants lib = new RandomMutants(WT, 3, 5000, 7L);
    assertEquals(5000, lib.size());
    for (long i = 0; i < lib.size(); i++) {
      List<Mutation> v = lib.get(i);
      assertEquals(3, v.size());
      assertCanonical(WT, v);
    }
    // Same variant whatever order or subset the indices are generated in.
    RandomMutants again = new RandomMutants(WT, 3, 5000, 7L);
    for (long i = 4999; i >= 0; i -= 7) {
      assertEquals(lib.get(i), again.get(i));
    }
    assertTrue(!lib.get(0).equals(new RandomMutants(WT, 3, 5000, 8L).get(0)) || !lib.get(1).equals(new RandomMutants(WT, 3, 5000, 8L).get(1)),
        "another seed, other variants");
    // k close to L uses the shuffle path; k = L substitutes every position.
    RandomMutants full = new RandomMutants(WT, WT.length(), 10, 1L);
    assertEquals(WT.length(), full.get(3).size());
    assertCanonical(WT, full.get(3));
    // Positions and residues are spread out: every position and most residues appear in 5000 draws.
    Set<Integer> positions = new HashSet<>();
    Set<Character> residues = new HashSet<>();
    for (long i = 0; i < lib.size(); i++) {
      for (Mutation m : lib.get(i)) {
        positions.add(m.pos());
        residues.add(m.mt());
      }
    }
    assertEquals(WT.length(), positions.size());
    assertEquals(20, residues.size());
    assertThrows(IllegalArgumentException.class, () -> new RandomMutants(WT, 0, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> new RandomMutants(WT, 3, 0, 1));
  }

  @Test
  void aNonStandardWildTypeIsRefusedWithItsPosition() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SingleSubstitutions("MKXA"));
    assertTrue(e.getMessage().contains("position 3"), e.getMessage());
  }
}
