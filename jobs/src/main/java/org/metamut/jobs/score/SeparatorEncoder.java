package org.metamut.jobs.score;

import org.metamut.lib.mutation.Mutation;

import java.util.List;

/**
 * The default separator encoding of DESIGN.md §1 with the §6 vocabulary ({@code 0 PAD, 1 UNK, 2 BOS, 3 EOS,
 * 4 MASK, 5 SEP}, amino acids {@code ACDEFGHIKLMNPQRSTVWY} = 6..25): {@code BOS}, the wild-type residues of a
 * window, each mutated site written in-line as {@code wt SEP mt}, {@code EOS}. The window holds
 * {@code maxLen − 2 − 2k} residues for k sites, centred on the middle of the mutated sites and clamped to the
 * sequence; sites spanning more than that are {@link Unencodable} ({@code SITES_OUTSIDE_WINDOW}).
 *
 * <p>Interim: the score job's own copy until {@code org.metamut.lib.encode} lands on the model branch; it is
 * written to produce the same tokens as that encoder's default and will be replaced by an adapter to it.
 */
public record SeparatorEncoder(int maxLen) implements VariantEncoder {
  private static final long serialVersionUID = 1L;
  public static final int BOS = 2;
  public static final int EOS = 3;
  public static final int SEP = 5;
  public static final int FIRST_AA = 6;

  public SeparatorEncoder {
    if (maxLen < 5) {
      throw new IllegalArgumentException("separator encoding needs maxLen >= 5, got " + maxLen);
    }
  }

  static int aa(char c) {
    int i = Mutation.AMINO_ACIDS.indexOf(c);
    return i < 0 ? 1 : FIRST_AA + i; // UNK for a non-standard wild-type letter
  }

  @Override
  public int[] encode(String wildType, List<Mutation> muts) {
    int k = muts.size();
    int window = maxLen - 2 - 2 * k;
    int len = wildType.length();
    int start = 0;
    int end = len; // exclusive, 0-based
    if (len > window) {
      if (window < 1) {
        throw new Unencodable("TOO_MANY_SITES", k + " substitutions do not fit in " + maxLen + " tokens");
      }
      int lo = k == 0 ? 0 : muts.get(0).pos() - 1;
      int hi = k == 0 ? 0 : muts.get(k - 1).pos() - 1;
      if (hi - lo + 1 > window) {
        throw new Unencodable("SITES_OUTSIDE_WINDOW", "sites " + (lo + 1) + ".." + (hi + 1) + " span more than the "
            + window + "-residue window of a " + maxLen + "-token model");
      }
      int slack = window - (hi - lo + 1);
      start = Math.max(0, Math.min(len - window, lo - slack / 2));
      end = start + window;
    }
    int[] ids = new int[2 + (end - start) + 2 * k];
    int n = 0;
    ids[n++] = BOS;
    int m = 0;
    for (int i = start; i < end; i++) {
      ids[n++] = aa(wildType.charAt(i));
      if (m < k && muts.get(m).pos() - 1 == i) {
        ids[n++] = SEP;
        ids[n++] = aa(muts.get(m).mt());
        m++;
      }
    }
    ids[n++] = EOS;
    return ids;
  }

  @Override
  public String describe() {
    return "separator(maxLen=" + maxLen + ")";
  }
}
