package org.metamut.lib.model;

import org.metamut.lib.baseline.ResidueScales;
import org.metamut.lib.baseline.SubstitutionFeaturizer;

/**
 * The substitution block a model with {@link ModelSpec#substitutionFeatures()} feeds its head: the
 * {@link SubstitutionFeaturizer} columns (BLOSUM62, Δ/|Δ| hydropathy, volume, charge, number of mutations) summed
 * over the {@code wt SEP mt} groups of an example's tokens, each divided by a fixed scale so the columns are of
 * comparable size and one penalty fits the block (fixed, not fitted on data, so a model's head means the same thing
 * on every task). Encodings without separator groups give zeros.
 *
 * <p>With {@link ModelSpec#substitutionContext()} three columns follow ({@link #CONTEXT_SIZE} in all), each summed over
 * the groups like the others:
 * <ol start="9">
 *   <li><b>DMS substitution score</b>: {@code sub.dms[wt, mt]}, a 20 × 20 table in θ. Meta-training starts it from the
 *       meta-train tasks' own labels ({@code org.metamut.lib.meta.SubstitutionMatrix}: the mean z-scored effect of
 *       each substitution over the tasks that measured it) and then learns it through the head like any parameter.
 *       BLOSUM62 says which substitutions evolution tolerates; this says which ones hurt in the assays, directionally
 *       (W → A is not A → W);</li>
 *   <li><b>context hydropathy</b>: the mean Kyte–Doolittle hydropathy / 4 of the wild-type residues within
 *       {@value #CONTEXT_RADIUS} of the site (the site included) as the tokens show them; a hydrophobic stretch is
 *       likely buried, where substitutions cost more;</li>
 *   <li><b>context × Δ hydropathy</b> / 4: losing hydrophobicity inside a hydrophobic stretch.</li>
 * </ol>
 * Why these: on the meta-val assays, with the ridge baseline's features and a prior mean fitted on meta-train, they
 * lifted a combined ridge by 0.01–0.02 Spearman at every k, and the closed-form head by about as much
 * (src/docs/results.md).
 */
public final class SubstitutionBlock {
  /** Number of columns of the plain block. */
  public static final int SIZE = SubstitutionFeaturizer.COLUMNS.size();

  /** Number of columns with the context columns. */
  public static final int CONTEXT_SIZE = SIZE + 3;

  /** Column of the DMS substitution score in the context block. */
  public static final int DMS_COLUMN = SIZE;

  /** Residues each side of a site that its context hydropathy averages over. */
  public static final int CONTEXT_RADIUS = 4;

  /** Residues indexing {@code sub.dms}: row = wild type, column = mutant. */
  public static final String RESIDUES = "ACDEFGHIKLMNPQRSTVWY";

  /** Entries of {@code sub.dms}. */
  public static final int DMS_ENTRIES = RESIDUES.length() * RESIDUES.length();

  /** Divisors of the columns: BLOSUM62, hydropathy ×2 (Kyte–Doolittle), volume ×2 (Å³), charge ×2, count. */
  static final double[] SCALE = {4, 4, 4, 50, 50, 1, 1, 1};

  private static final double HYDROPATHY_SCALE = 4;
  private static final int FIRST_RESIDUE = 6; // org.metamut.lib.encode.Vocabulary#FIRST_RESIDUE

  private SubstitutionBlock() {
  }

  /** Columns of the block of {@code spec}: 0 without substitution features. */
  public static int size(ModelSpec spec) {
    return !spec.substitutionFeatures() ? 0 : spec.substitutionContext() ? CONTEXT_SIZE : SIZE;
  }

  /** The plain block of example {@code b} of a batch, written into {@code out[offset..offset + SIZE)}. */
  public static void of(TokenBatch batch, int b, double[] out, int offset) {
    of(batch, b, out, offset, null, -1);
  }

  /**
   * The block of example {@code b}, written into {@code out[offset..)}: {@link #SIZE} columns when {@code theta} is
   * null, else {@link #CONTEXT_SIZE}, the DMS score read from {@code theta[dmsOffset..dmsOffset + 400)}.
   */
  public static void of(TokenBatch batch, int b, double[] out, int offset, double[] theta, int dmsOffset) {
    int t = batch.seqLen();
    int[] ids = batch.ids();
    int base = b * t;
    for (int i = 1; i + 1 < t; i++) {
      int pair = pairAt(ids, base, i);
      if (pair < 0) {
        continue;
      }
      char w = RESIDUES.charAt(pair / RESIDUES.length());
      char m = RESIDUES.charAt(pair % RESIDUES.length());
      SubstitutionFeaturizer.accumulate(w, m, out, offset);
      if (theta != null) {
        double context = contextHydropathy(ids, base, t, i);
        out[offset + DMS_COLUMN] += theta[dmsOffset + pair];
        out[offset + SIZE + 1] += context;
        out[offset + SIZE + 2] += context * (ResidueScales.hydropathy(m) - ResidueScales.hydropathy(w)) / HYDROPATHY_SCALE;
      }
    }
    for (int j = 0; j < SIZE; j++) {
      out[offset + j] /= SCALE[j];
    }
  }

  /**
   * Adds {@code dScore} (∂loss/∂ the DMS column of example {@code b}) to the gradient of each {@code sub.dms} entry
   * the example reads: the column is a sum of table entries, so each gets the column's gradient once per use.
   */
  public static void addDmsGradient(TokenBatch batch, int b, double dScore, double[] grad, int dmsOffset) {
    int t = batch.seqLen();
    int[] ids = batch.ids();
    for (int i = 1; i + 1 < t; i++) {
      int pair = pairAt(ids, b * t, i);
      if (pair >= 0) {
        grad[dmsOffset + pair] += dScore;
      }
    }
  }

  /**
   * The {@code sub.dms} index (wt · 20 + mt) of the {@code wt SEP mt} group whose separator is token {@code i} of the
   * example starting at {@code base}; −1 when token {@code i} is no separator or a neighbour is not a standard residue.
   * The one reading of a group, shared by the block, its gradient and {@link DmsMatrixEstimate}.
   */
  static int pairAt(int[] ids, int base, int i) {
    if (ids[base + i] != TokenBatch.SITE_MARKER) {
      return -1;
    }
    int wt = residueIndex(ids[base + i - 1]);
    int mt = residueIndex(ids[base + i + 1]);
    return wt < 0 || mt < 0 ? -1 : wt * RESIDUES.length() + mt;
  }

  /**
   * Mean hydropathy / 4 of the wild-type residues within {@link #CONTEXT_RADIUS} of the group whose separator is at
   * {@code sep}, its own wild type included. Another site's group in the window counts by its wild type; the walk stops
   * at a token that is not a residue (BOS, EOS, a gap marker, padding), so a site near a crop edge averages fewer.
   */
  static double contextHydropathy(int[] ids, int base, int t, int sep) {
    double[] sumAndCount = {ResidueScales.hydropathy(residue(ids[base + sep - 1])), 1};
    walk(ids, base, t, sep - 2, -1, sumAndCount);
    walk(ids, base, t, sep + 2, +1, sumAndCount);
    return sumAndCount[0] / sumAndCount[1] / HYDROPATHY_SCALE;
  }

  /**
   * Adds up to {@link #CONTEXT_RADIUS} wild-type residues from {@code from} in direction {@code dir}: separators and
   * the mutant residue after each are skipped (another site's group counts by the wild type before its separator).
   */
  private static void walk(int[] ids, int base, int t, int from, int dir, double[] sumAndCount) {
    for (int j = from, got = 0; got < CONTEXT_RADIUS && j >= 0 && j < t; j += dir) {
      if (ids[base + j] == TokenBatch.SITE_MARKER || (j >= 1 && ids[base + j - 1] == TokenBatch.SITE_MARKER)) {
        continue;
      }
      int r = residueIndex(ids[base + j]);
      if (r < 0) {
        return;
      }
      sumAndCount[0] += ResidueScales.hydropathy(RESIDUES.charAt(r));
      sumAndCount[1]++;
      got++;
    }
  }

  private static int residueIndex(int id) {
    int r = id - FIRST_RESIDUE;
    return r >= 0 && r < RESIDUES.length() ? r : -1;
  }

  private static char residue(int id) {
    return RESIDUES.charAt(residueIndex(id));
  }
}
