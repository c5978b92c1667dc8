package org.metamut.lib.encode;

import org.junit.jupiter.api.Test;
import org.metamut.lib.model.TokenBatch;
import org.metamut.lib.mutation.Mutation;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncoderTest {
  static final String WT = "MKTAYIAKQR";

  static List<Mutation> muts(String... s) {
    return java.util.Arrays.stream(s).map(Mutation::parse).toList();
  }

  static String sep(String wt, int max, String... m) {
    return new SeparatorEncoder(max).encode(wt, muts(m)).toString();
  }

  @Test
  void vocabularyIdsAreTheReferenceOnes() {
    assertEquals(0, Vocabulary.PAD);
    assertEquals(5, Vocabulary.SEP);
    assertEquals(6, Vocabulary.residue('A'));
    assertEquals(25, Vocabulary.residue('Y'));
    assertEquals(6 + "ACDEFGHIKLMNPQRSTVWY".indexOf('K'), Vocabulary.residue('k'));
    assertEquals(Vocabulary.UNK, Vocabulary.residue('X'));
    assertEquals(26, Vocabulary.SIZE);
  }

  @Test
  void separatorSingleMultipleAndEdgeSites() {
    assertEquals("<bos>MKTA<sep>GYIAKQR<eos>", sep(WT, 64, "A4G"));
    assertEquals("<bos>M<sep>AKTAYIAKQR<eos>", sep(WT, 64, "M1A"));
    assertEquals("<bos>MKTAYIAKQR<sep>W<eos>", sep(WT, 64, "R10W"));
    // order of the list doesn't matter; one group per site
    assertEquals("<bos>MK<sep>CTA<sep>GYIAKQR<sep>W<eos>", sep(WT, 64, "R10W", "A4G", "K2C"));
    assertEquals("<bos>MKTAYIAKQR<eos>", sep(WT, 64)); // wild type itself
    int[] ids = new SeparatorEncoder(64).encode(WT, muts("A4G")).ids();
    assertArrayEquals(new int[] {2, 16, 14, 22, 6, 5, 11, 25, 13, 6, 14, 19, 20, 3}, ids);
  }

  @Test
  void ablationEncoders() {
    EncodedVariant mo = new MutantOnlyEncoder(64).encode(WT, muts("A4G", "R10W"));
    assertEquals("<bos>MKTGYIAKQW<eos>", mo.toString());
    assertNull(mo.flags());
    EncodedVariant wm = new WildTypeMaskEncoder(64).encode(WT, muts("A4G", "R10W"));
    assertEquals("<bos>MKTAYIAKQR<eos>", wm.toString());
    assertArrayEquals(new byte[] {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0}, wm.flags());
    assertEquals(EncoderSpec.WT_MASK, Encoder.of(new EncoderSpec("wt-mask", 8)).spec().kind());
  }

  @Test
  void cropWindowIsCentredOnTheSitesAndClampedAtTheEnds() {
    String wt = "ACDEFGHIKLMNPQRSTVWYACDEFGHIKLMNPQRSTVWY"; // 40 residues
    // budget 11 = BOS + EOS + 3 for the site group + 6 context residues: 3 each side of K9
    assertEquals("<bos>GHIK<sep>ALMN<eos>", sep(wt, 11, "K9A"));
    // near the start, the window runs to the right instead
    assertEquals("<bos>A<sep>GCDEFGH<eos>", sep(wt, 11, "A1G"));
    assertEquals("<bos>QRSTVWY<sep>A<eos>", sep(wt, 11, "Y40A"));
    // two close sites: one window, about equal context beyond the outer sites (centred on their midpoint, within a residue)
    assertEquals("<bos>GHIK<sep>ALM<sep>ANP<eos>", sep(wt, 14, "K9A", "M11A"));
  }

  @Test
  void distantSitesGetOneStretchEachWithAGapMarker() {
    String wt = "ACDEFGHIKLMNPQRSTVWYACDEFGHIKLMNPQRSTVWY";
    // budget 15: BOS, EOS, 2 site groups (6), 1 MASK, 6 context residues
    // C2 has one residue to its left, so its stretch takes the turn it cannot use on the right
    assertEquals("<bos>AC<sep>ADE<mask>QRS<sep>AT<eos>", sep(wt, 15, "C2A", "S16A"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sep(wt, 8, "C2A", "S16A"));
    assertTrue(e.getMessage().contains("maxTokens 8"), e.getMessage());
  }

  @Test
  void refusesMutationsThatDisagreeWithTheWildType() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sep(WT, 64, "G4A"));
    assertTrue(e.getMessage().contains("has 'A' at 4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> sep(WT, 64, "A11G"));
    assertTrue(e.getMessage().contains("beyond the wild type's 10 residues"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> sep(WT, 64, "A4G", "A4C"));
    assertTrue(e.getMessage().contains("same position"), e.getMessage());
  }

  @Test
  void batchesPadWithZerosAndCarryFlags() {
    Encoder enc = new WildTypeMaskEncoder(16);
    List<EncodedVariant> vs = List.of(enc.encode(WT, muts("A4G")), enc.encode("MKT", muts("K2A")));
    TokenBatch b = EncodedVariant.toBatch(vs, new double[] {1, 2}, 0);
    assertEquals(12, b.seqLen());
    assertEquals(0, b.ids()[12 + 5]);
    assertEquals(1, b.flags()[12 + 2]);
    assertEquals(2.0, b.targets()[1]);
    assertThrows(IllegalArgumentException.class, () -> EncodedVariant.toBatch(vs, null, 5));
  }

  @Test
  void cropsIsTrueExactlyWhenTheWindowDropsResidues() {
    String aa = "ACDEFGHIKLMNPQRSTVWY";
    for (String kind : List.of(EncoderSpec.SEPARATOR, EncoderSpec.MUTANT_ONLY, EncoderSpec.WT_MASK)) {
      Encoder small = Encoder.of(new EncoderSpec(kind, 16));
      Encoder whole = Encoder.of(new EncoderSpec(kind, 1000));
      for (int len = 3; len <= 30; len++) {
        StringBuilder wt = new StringBuilder();
        for (int i = 0; i < len; i++) {
          wt.append(aa.charAt(i % 20));
        }
        for (List<Mutation> muts : List.of(List.<Mutation>of(), List.of(new Mutation(2, wt.charAt(1), 'W')),
            List.of(new Mutation(1, wt.charAt(0), 'W'), new Mutation(len, wt.charAt(len - 1), 'G')))) {
          boolean dropped;
          try {
            dropped = !java.util.Arrays.equals(small.encode(wt.toString(), muts).ids(),
                whole.encode(wt.toString(), muts).ids());
          } catch (IllegalArgumentException tooManySites) {
            continue;
          }
          assertEquals(dropped, small.crops(len, muts.size()), kind + " length " + len + " " + muts);
        }
      }
    }
  }
}
