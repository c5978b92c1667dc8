package org.metamut.lib.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.metamut.lib.mutation.Mutation;

/** Spot values of the published tables (BLOSUM62, Kyte–Doolittle, Zamyatnin) and the features built on them. */
class SubstitutionTablesTest {

  @Test
  void blosum62SpotValues() {
    assertEquals(11, Blosum62.score('W', 'W'));
    assertEquals(-1, Blosum62.score('A', 'R'));
    assertEquals(4, Blosum62.score('A', 'A'));
    assertEquals(9, Blosum62.score('C', 'C'));
    assertEquals(-4, Blosum62.score('D', 'L'));
    assertEquals(3, Blosum62.score('F', 'Y'));
    assertEquals(-4, Blosum62.score('F', 'P'));
    assertEquals(3, Blosum62.score('I', 'V'));
    assertEquals(2, Blosum62.score('K', 'R'));
    assertThrows(IllegalArgumentException.class, () -> Blosum62.score('X', 'A'));
  }

  @Test
  void blosum62IsSymmetric() {
    for (char a : Mutation.AMINO_ACIDS.toCharArray()) {
      for (char b : Mutation.AMINO_ACIDS.toCharArray()) {
        assertEquals(Blosum62.score(a, b), Blosum62.score(b, a), a + "/" + b);
      }
    }
  }

  @Test
  void residueScaleSpotValues() {
    assertEquals(4.5, ResidueScales.hydropathy('I'));
    assertEquals(-4.5, ResidueScales.hydropathy('R'));
    assertEquals(-0.4, ResidueScales.hydropathy('G'));
    assertEquals(60.1, ResidueScales.volume('G'));
    assertEquals(227.8, ResidueScales.volume('W'));
    assertEquals(88.6, ResidueScales.volume('A'));
    assertEquals(-1, ResidueScales.charge('D'));
    assertEquals(1, ResidueScales.charge('K'));
    assertEquals(0, ResidueScales.charge('H'));
  }

  @Test
  void substitutionFeaturesSumOverMutations() {
    // A2W: blosum -3, dH = -0.9 - 1.8 = -2.7, dV = 227.8 - 88.6 = 139.2, dq = 0
    // K3E: blosum 1, dH = -3.5 + 3.9 = 0.4, dV = 138.4 - 168.6 = -30.2, dq = -2
    double[] x = new SubstitutionFeaturizer().features(Variant.of("MAKL", "A2W", "K3E"));
    assertArrayEquals(new double[] {-2, -2.3, 3.1, 109.0, 169.4, -2, 2, 2}, x, 1e-9);
    assertArrayEquals(new double[8], new SubstitutionFeaturizer().features(Variant.of("MAKL")), 0);
  }

  @Test
  void oneHotEncodesTheWholeMutantSequence() {
    double[] x = new OneHotFeaturizer().features(Variant.of("MAK", "A2W"));
    assertEquals(60, x.length);
    double sum = 0;
    for (double v : x) {
      sum += v;
    }
    assertEquals(3, sum, 0);
    assertEquals(1, x[Mutation.AMINO_ACIDS.indexOf('M')]);
    assertEquals(1, x[20 + Mutation.AMINO_ACIDS.indexOf('W')]);
    assertEquals(0, x[20 + Mutation.AMINO_ACIDS.indexOf('A')]);
    assertEquals(1, x[40 + Mutation.AMINO_ACIDS.indexOf('K')]);
  }

  @Test
  void variantChecksItsWildType() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Variant.of("MAK", "L2P"));
    assertEquals("variant L2P: wild type at 2 is 'A' but mutation L2P says 'L'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Variant.of("MAK", "K9P"));
    assertThrows(IllegalArgumentException.class, () -> Variant.of("MAK", "A2P", "A2G"));
    assertEquals("MWK", Variant.of("MAK", "A2W").mutantSequence());
  }
}
