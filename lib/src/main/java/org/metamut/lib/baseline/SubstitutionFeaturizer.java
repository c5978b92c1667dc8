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
      double dh = ResidueScales.hydropathy(m.mt()) - ResidueScales.hydropathy(m.wt());
      double dv = ResidueScales.volume(m.mt()) - ResidueScales.volume(m.wt());
      double dc = ResidueScales.charge(m.mt()) - ResidueScales.charge(m.wt());
      x[0] += Blosum62.score(m.wt(), m.mt());
      x[1] += dh;
      x[2] += Math.abs(dh);
      x[3] += dv;
      x[4] += Math.abs(dv);
      x[5] += dc;
      x[6] += Math.abs(dc);
      x[7] += 1;
    }
    return x;
  }
}
