package org.metamut.lib.baseline;

import org.metamut.lib.mutation.Mutation;

/**
 * The BLOSUM62 substitution matrix (Henikoff &amp; Henikoff, "Amino acid substitution matrices from protein
 * blocks", PNAS 89:10915–10919, 1992), the 20 standard residues of the table as NCBI distributes it
 * (ftp.ncbi.nih.gov/blast/matrices/BLOSUM62), kept as the published text so it can be laid beside the
 * original; parsed once into a table indexed in {@link Mutation#AMINO_ACIDS} order.
 */
public final class Blosum62 {

  private static final String TABLE = """
         A  R  N  D  C  Q  E  G  H  I  L  K  M  F  P  S  T  W  Y  V
      A  4 -1 -2 -2  0 -1 -1  0 -2 -1 -1 -1 -1 -2 -1  1  0 -3 -2  0
      R -1  5  0 -2 -3  1  0 -2  0 -3 -2  2 -1 -3 -2 -1 -1 -3 -2 -3
      N -2  0  6  1 -3  0  0  0  1 -3 -3  0 -2 -3 -2  1  0 -4 -2 -3
      D -2 -2  1  6 -3  0  2 -1 -1 -3 -4 -1 -3 -3 -1  0 -1 -4 -3 -3
      C  0 -3 -3 -3  9 -3 -4 -3 -3 -1 -1 -3 -1 -2 -3 -1 -1 -2 -2 -1
      Q -1  1  0  0 -3  5  2 -2  0 -3 -2  1  0 -3 -1  0 -1 -2 -1 -2
      E -1  0  0  2 -4  2  5 -2  0 -3 -3  1 -2 -3 -1  0 -1 -3 -2 -2
      G  0 -2  0 -1 -3 -2 -2  6 -2 -4 -4 -2 -3 -3 -2  0 -2 -2 -3 -3
      H -2  0  1 -1 -3  0  0 -2  8 -3 -3 -1 -2 -1 -2 -1 -2 -2  2 -3
      I -1 -3 -3 -3 -1 -3 -3 -4 -3  4  2 -3  1  0 -3 -2 -1 -3 -1  3
      L -1 -2 -3 -4 -1 -2 -3 -4 -3  2  4 -2  2  0 -3 -2 -1 -2 -1  1
      K -1  2  0 -1 -3  1  1 -2 -1 -3 -2  5 -1 -3 -1  0 -1 -3 -2 -2
      M -1 -1 -2 -3 -1  0 -2 -3 -2  1  2 -1  5  0 -2 -1 -1 -1 -1  1
      F -2 -3 -3 -3 -2 -3 -3 -3 -1  0  0 -3  0  6 -4 -2 -2  1  3 -1
      P -1 -2 -2 -1 -3 -1 -1 -2 -2 -3 -3 -1 -2 -4  7 -1 -1 -4 -3 -2
      S  1 -1  1  0 -1  0  0  0 -1 -2 -2  0 -1 -2 -1  4  1 -3 -2 -2
      T  0 -1  0 -1 -1 -1 -1 -2 -2 -1 -1 -1 -1 -2 -1  1  5 -2 -2  0
      W -3 -3 -4 -4 -2 -2 -3 -2 -2 -3 -2 -3 -1  1 -4 -3 -2 11  2 -3
      Y -2 -2 -2 -3 -2 -1 -2 -3  2 -1 -1 -2 -1  3 -3 -2 -2  2  7 -1
      V  0 -3 -3 -3 -1 -2 -2 -3 -3  3  1 -2  1 -1 -2 -2  0 -3 -1  4
      """;

  private static final int[][] SCORES = parse();

  private Blosum62() {}

  /** Score of substituting {@code a} by {@code b} (symmetric); both must be standard residues. */
  public static int score(char a, char b) {
    return SCORES[index(a)][index(b)];
  }

  private static int index(char c) {
    int i = Mutation.AMINO_ACIDS.indexOf(c);
    if (i < 0) {
      throw new IllegalArgumentException("BLOSUM62 has no standard residue '" + c + "'");
    }
    return i;
  }

  private static int[][] parse() {
    String[] lines = TABLE.strip().split("\n");
    String[] header = lines[0].strip().split("\\s+");
    int[][] out = new int[20][20];
    for (int r = 1; r < lines.length; r++) {
      String[] cells = lines[r].strip().split("\\s+");
      int row = Mutation.AMINO_ACIDS.indexOf(cells[0].charAt(0));
      for (int c = 1; c < cells.length; c++) {
        out[row][Mutation.AMINO_ACIDS.indexOf(header[c - 1].charAt(0))] = Integer.parseInt(cells[c]);
      }
    }
    return out;
  }
}
