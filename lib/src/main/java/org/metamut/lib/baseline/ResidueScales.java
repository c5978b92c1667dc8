package org.metamut.lib.baseline;

import org.metamut.lib.mutation.Mutation;

/**
 * Published per-residue property scales, indexed in {@link Mutation#AMINO_ACIDS} order
 * ({@code ACDEFGHIKLMNPQRSTVWY}).
 */
public final class ResidueScales {

  /**
   * Hydropathy index of Kyte &amp; Doolittle, "A simple method for displaying the hydropathic character of
   * a protein", J. Mol. Biol. 157:105–132 (1982), Table 2.
   */
  private static final double[] KYTE_DOOLITTLE = {
    1.8, 2.5, -3.5, -3.5, 2.8, -0.4, -3.2, 4.5, -3.9, 3.8,
    1.9, -3.5, -1.6, -3.5, -4.5, -0.8, -0.7, 4.2, -0.9, -1.3};

  /**
   * Mean residue volumes in Å³ of Zamyatnin, "Protein volume in solution", Prog. Biophys. Mol. Biol.
   * 24:107–123 (1972).
   */
  private static final double[] ZAMYATNIN_VOLUME = {
    88.6, 108.5, 111.1, 138.4, 189.9, 60.1, 153.2, 166.7, 168.6, 166.7,
    162.9, 114.1, 112.7, 143.8, 173.4, 89.0, 116.1, 140.0, 227.8, 193.6};

  /**
   * Formal side-chain charge at pH 7: Asp, Glu −1; Lys, Arg +1; His 0 (side-chain pKa ≈ 6.0, mostly
   * neutral at pH 7); all others 0.
   */
  private static final double[] CHARGE_PH7 = {
    0, 0, -1, -1, 0, 0, 0, 0, 1, 0,
    0, 0, 0, 0, 1, 0, 0, 0, 0, 0};

  private ResidueScales() {}

  public static double hydropathy(char aa) {
    return KYTE_DOOLITTLE[index(aa)];
  }

  public static double volume(char aa) {
    return ZAMYATNIN_VOLUME[index(aa)];
  }

  public static double charge(char aa) {
    return CHARGE_PH7[index(aa)];
  }

  private static int index(char c) {
    int i = Mutation.AMINO_ACIDS.indexOf(c);
    if (i < 0) {
      throw new IllegalArgumentException("no residue scale value for '" + c + "' (standard residues: "
          + Mutation.AMINO_ACIDS + ")");
    }
    return i;
  }
}
