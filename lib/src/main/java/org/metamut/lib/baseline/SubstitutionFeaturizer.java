package org.metamut.lib.baseline;

import java.util.List;
import org.metamut.lib.mutation.Mutation;

/**
 * Position-independent substitution features, summed over a variant's mutations (an additive model of
 * multi-mutants), in this order:
 * <ol>
 *   <li>BLOSUM62 score of wt→mt ({@link Blosum62});
 *   <li>Δ hydropathy (Kyte–Doolittle, mt − wt) and |Δ hydropathy|;
 *   <li>Δ volume (Zamyatnin, Å³, mt − wt) and |Δ volume|;
 *   <li>Δ side-chain charge at pH 7 (mt − wt) and |Δ charge|;
 *   <li>the number of mutations.
 * </ol>
 * The wild type itself maps to all zeros. Scales differ by orders of magnitude, so fit these with
 * standardised columns ({@link RidgeBaseline#substitution()} does).
 */
public final class SubstitutionFeaturizer implements Featurizer {

  private static final long serialVersionUID = 1L;

  /** Column names, in feature order. */
  public static final List<String> COLUMNS = List.of("blosum62", "d_hydropathy", "abs_d_hydropathy", "d_volume",
      "abs_d_volume", "d_charge", "abs_d_charge", "n_mutations");

  @Override
  public String name() {
    return "substitution";
  }

  @Override
  public double[] features(Variant variant) {
    double[] x = new double[COLUMNS.size()];
    for (Mutation m : variant.mutations()) {
      accumulate(m.wt(), m.mt(), x, 0);
    }
    return x;
  }

  /**
   * Adds one substitution wt → mt to the {@link #COLUMNS} features at {@code x[offset..offset + 8)}: the one
   * definition shared by the ridge baselines and the model's substitution block ({@code ModelSpec#substitutionFeatures}).
   */
  public static void accumulate(char wt, char mt, double[] x, int offset) {
    double dh = ResidueScales.hydropathy(mt) - ResidueScales.hydropathy(wt);
    double dv = ResidueScales.volume(mt) - ResidueScales.volume(wt);
    double dc = ResidueScales.charge(mt) - ResidueScales.charge(wt);
    x[offset] += Blosum62.score(wt, mt);
    x[offset + 1] += dh;
    x[offset + 2] += Math.abs(dh);
    x[offset + 3] += dv;
    x[offset + 4] += Math.abs(dv);
    x[offset + 5] += dc;
    x[offset + 6] += Math.abs(dc);
    x[offset + 7] += 1;
  }
}
