package org.metamut.lib.model;

import org.metamut.lib.baseline.ResidueScales;
import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.encode.Encoder;
import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.mutation.Mutation;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The substitution block's context columns against the same quantities computed from the wild-type sequence itself
 * (not from tokens), on variants encoded by the real separator encoder; and the DMS table's starting estimate on an
 * exact small case.
 */
class SubstitutionBlockTest {
  private static final String WT = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWSTPSELGHAGLNGDILVWNPVLEDAFELSSMGIRVDADTLKHQLALTGDEDRLELEWHQALLRGEMPQTIGGGIGQSRLTMLLLQLPHIGQVQAGVWPAACRERVPPRLTLTHRPCSGRPTRRKAAGSCFIRGPCLPA";
  private static final ModelSpec SPEC = ModelSpec.reference(1, 8, 2, 16, 48).withPooling(ModelSpec.Pooling.SITES)
      .withSubstitutionFeatures(true).withSubstitutionContext(true);

  /** Mean Kyte–Doolittle / 4 of WT[pos − 1 − 4 .. pos − 1 + 4] (1-based {@code pos}), clipped at the sequence ends. */
  private static double context(int pos) {
    double sum = 0;
    int n = 0;
    for (int i = Math.max(0, pos - 1 - 4); i <= Math.min(WT.length() - 1, pos - 1 + 4); i++) {
      sum += ResidueScales.hydropathy(WT.charAt(i));
      n++;
    }
    return sum / n / 4;
  }

  private static double[] block(List<Mutation> ms, double[] theta, int dmsOffset) {
    EncodedVariant v = Encoder.of(EncoderSpec.separator(48)).encode(WT, ms);
    TokenBatch b = EncodedVariant.toBatch(List.of(v), new double[] {0}, 48);
    double[] out = new double[SubstitutionBlock.CONTEXT_SIZE];
    SubstitutionBlock.of(b, 0, out, 0, theta, dmsOffset);
    return out;
  }

  @Test
  void contextColumnsEqualTheSequencesOwnNeighbourhood() {
    ParamLayout layout = ParamLayout.of(SPEC);
    double[] theta = new double[layout.numParams()];
    int dms = layout.get("sub.dms").offset();
    for (int i = 0; i < 400; i++) {
      theta[dms + i] = 0.01 * i - 1.5;
    }
    // one site mid-sequence, one 2 residues from the N-terminus (3 neighbours on its left side: none), one at the end
    for (int pos : new int[] {100, 2, WT.length()}) {
      char w = WT.charAt(pos - 1);
      char m = w == 'W' ? 'A' : 'W';
      double[] x = block(List.of(new Mutation(pos, w, m)), theta, dms);
      double c = context(pos);
      double dh = ResidueScales.hydropathy(m) - ResidueScales.hydropathy(w);
      assertEquals(c, x[SubstitutionBlock.SIZE + 1], 1e-12, "context hydropathy at " + pos);
      assertEquals(c * dh / 4, x[SubstitutionBlock.SIZE + 2], 1e-12, "context × Δ hydropathy at " + pos);
      int p = SubstitutionBlock.RESIDUES.indexOf(w) * 20 + SubstitutionBlock.RESIDUES.indexOf(m);
      assertEquals(theta[dms + p], x[SubstitutionBlock.DMS_COLUMN], 1e-12, "DMS score of " + w + pos + m);
      assertEquals(1.0, x[7], 1e-12, "one mutation");
    }
  }

  @Test
  void aSecondSiteInsideTheWindowCountsByItsWildType() {
    ParamLayout layout = ParamLayout.of(SPEC);
    double[] theta = new double[layout.numParams()];
    int dms = layout.get("sub.dms").offset();
    theta[dms + SubstitutionBlock.RESIDUES.indexOf(WT.charAt(49)) * 20 + SubstitutionBlock.RESIDUES.indexOf('P')] = 0.25;
    theta[dms + SubstitutionBlock.RESIDUES.indexOf(WT.charAt(51)) * 20 + SubstitutionBlock.RESIDUES.indexOf('P')] = -0.75;
    List<Mutation> ms = new ArrayList<>(List.of(new Mutation(50, WT.charAt(49), 'P'), new Mutation(52, WT.charAt(51), 'P')));
    double[] x = block(ms, theta, dms);
    // each site's neighbourhood is the wild type's, the other site included as its wild-type residue
    assertEquals(context(50) + context(52), x[SubstitutionBlock.SIZE + 1], 1e-12);
    double dh50 = ResidueScales.hydropathy('P') - ResidueScales.hydropathy(WT.charAt(49));
    double dh52 = ResidueScales.hydropathy('P') - ResidueScales.hydropathy(WT.charAt(51));
    assertEquals((context(50) * dh50 + context(52) * dh52) / 4, x[SubstitutionBlock.SIZE + 2], 1e-12);
    assertEquals(0.25 - 0.75, x[SubstitutionBlock.DMS_COLUMN], 1e-12, "the DMS score sums over the sites");
    assertEquals(2.0, x[7], 1e-12);
  }

  @Test
  void thePlainBlockIsUnchangedByTheContextColumns() {
    ParamLayout layout = ParamLayout.of(SPEC);
    double[] theta = new double[layout.numParams()];
    List<Mutation> ms = List.of(new Mutation(120, WT.charAt(119), 'D'));
    double[] with = block(ms, theta, layout.get("sub.dms").offset());
    EncodedVariant v = Encoder.of(EncoderSpec.separator(48)).encode(WT, ms);
    double[] plain = new double[SubstitutionBlock.SIZE];
    SubstitutionBlock.of(EncodedVariant.toBatch(List.of(v), new double[] {0}, 48), 0, plain, 0);
    for (int j = 0; j < SubstitutionBlock.SIZE; j++) {
      assertEquals(plain[j], with[j], 0.0, "column " + j);
    }
    assertEquals(SubstitutionBlock.CONTEXT_SIZE, SubstitutionBlock.size(SPEC));
    assertEquals(SubstitutionBlock.SIZE, SubstitutionBlock.size(SPEC.withSubstitutionContext(false)));
    assertEquals(0, SubstitutionBlock.size(SPEC.withSubstitutionFeatures(false)));
    assertThrows(IllegalArgumentException.class, () -> SPEC.withSubstitutionFeatures(false).withSubstitutionContext(true));
  }

  @Test
  void theDmsEstimateIsTheShrunkMeanOfEachTasksZScoredSingleEffects() {
    DmsMatrixEstimate e = new DmsMatrixEstimate();
    // task a: labels 1, 3, 5, 7 → mean 4, SD √5; A→W twice (1 and 3), G→P once (7), A→C once (5)
    assertTrue(e.add("a", 'A', 'W', 1));
    assertTrue(e.add("a", 'A', 'W', 3));
    assertTrue(e.add("a", 'G', 'P', 7));
    assertTrue(e.add("a", 'A', 'C', 5));
    // task b, in other units: 10, 30 → mean 20, SD 10; A→W = 10
    assertTrue(e.add("b", 'A', 'W', 10));
    assertTrue(e.add("b", 'G', 'P', 30));
    assertFalse(e.add("b", 'X', 'P', 1), "a non-standard residue is skipped");
    assertFalse(e.add("b", 'A', 'A', 1), "a synonymous row is not a substitution");
    // task c: one label only, nothing to z-score against
    assertTrue(e.add("c", 'A', 'W', 100));
    double[] m = e.matrix();
    double sdA = Math.sqrt(5);
    int aw = SubstitutionBlock.RESIDUES.indexOf('A') * 20 + SubstitutionBlock.RESIDUES.indexOf('W');
    int gp = SubstitutionBlock.RESIDUES.indexOf('G') * 20 + SubstitutionBlock.RESIDUES.indexOf('P');
    int ac = SubstitutionBlock.RESIDUES.indexOf('A') * 20 + SubstitutionBlock.RESIDUES.indexOf('C');
    int pg = SubstitutionBlock.RESIDUES.indexOf('P') * 20 + SubstitutionBlock.RESIDUES.indexOf('G');
    assertEquals(((2 - 4) / sdA + (10 - 20) / 10.0) / (2 + DmsMatrixEstimate.PRIOR_TASKS), m[aw], 1e-12);
    assertEquals(((7 - 4) / sdA + (30 - 20) / 10.0) / (2 + DmsMatrixEstimate.PRIOR_TASKS), m[gp], 1e-12);
    assertEquals(((5 - 4) / sdA) / (1 + DmsMatrixEstimate.PRIOR_TASKS), m[ac], 1e-12);
    assertEquals(0.0, m[pg], 0.0, "directional: P→G was never measured");
    assertEquals(3, e.tasks());
    assertEquals(3, e.measuredEntries());
  }

  @Test
  void theDmsEstimateReadsSinglesFromTokensAndSkipsMultiMutants() {
    Encoder enc = Encoder.of(EncoderSpec.separator(48));
    List<EncodedVariant> vs = List.of(
        enc.encode(WT, List.of(new Mutation(10, WT.charAt(9), 'P'))),
        enc.encode(WT, List.of(new Mutation(11, WT.charAt(10), 'P'))),
        enc.encode(WT, List.of(new Mutation(10, WT.charAt(9), 'A'), new Mutation(12, WT.charAt(11), 'A'))));
    DmsMatrixEstimate fromTokens = new DmsMatrixEstimate();
    fromTokens.addSingles("t", EncodedVariant.toBatch(vs, new double[] {1.0, 2.0, 50.0}, 48));
    DmsMatrixEstimate direct = new DmsMatrixEstimate();
    direct.add("t", WT.charAt(9), 'P', 1.0);
    direct.add("t", WT.charAt(10), 'P', 2.0);
    assertEquals(2, fromTokens.singles());
    double[] a = fromTokens.matrix();
    double[] b = direct.matrix();
    for (int i = 0; i < a.length; i++) {
      assertEquals(b[i], a[i], 0.0);
    }
  }
}
