package org.metamut.lib.model;

import org.metamut.lib.baseline.SubstitutionFeaturizer;

/**
 * The substitution block a model with {@link ModelSpec#substitutionFeatures()} feeds its head: the
 * {@link SubstitutionFeaturizer} columns (BLOSUM62, Δ/|Δ| hydropathy, volume, charge, number of mutations) summed
 * over the {@code wt SEP mt} groups of an example's tokens, each divided by a fixed scale so the columns are of
 * comparable size and one penalty fits the block (fixed, not fitted on data, so a model's head means the same thing
 * on every task). Encodings without separator groups give zeros.
 */
public final class SubstitutionBlock {
  /** Number of columns. */
  public static final int SIZE = SubstitutionFeaturizer.COLUMNS.size();

  /** Divisors of the columns: BLOSUM62, hydropathy ×2 (Kyte–Doolittle), volume ×2 (Å³), charge ×2, count. */
  static final double[] SCALE = {4, 4, 4, 50, 50, 1, 1, 1};

  private static final String RESIDUES = "ACDEFGHIKLMNPQRSTVWY";
  private static final int FIRST_RESIDUE = 6; // org.metamut.lib.encode.Vocabulary#FIRST_RESIDUE

  private SubstitutionBlock() {
  }

  /** The scaled block of example {@code b} of a batch, written into {@code out[offset..offset + SIZE)}. */
  public static void of(TokenBatch batch, int b, double[] out, int offset) {
    int t = batch.seqLen();
    int[] ids = batch.ids();
    for (int i = 1; i + 1 < t; i++) {
      int id = ids[b * t + i];
      if (id == TokenBatch.SITE_MARKER) {
        char wt = residue(ids[b * t + i - 1]);
        char mt = residue(ids[b * t + i + 1]);
        if (wt != 0 && mt != 0) {
          SubstitutionFeaturizer.accumulate(wt, mt, out, offset);
        }
      }
    }
    for (int j = 0; j < SIZE; j++) {
      out[offset + j] /= SCALE[j];
    }
  }

  private static char residue(int id) {
    int r = id - FIRST_RESIDUE;
    return r >= 0 && r < RESIDUES.length() ? RESIDUES.charAt(r) : 0;
  }
}
