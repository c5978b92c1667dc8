package org.metamut.lib.encode;

import org.metamut.lib.mutation.Mutation;

/**
 * The token vocabulary of DESIGN.md §6 (fixed: model files and the reference numbers depend on it):
 * {@code 0 PAD, 1 UNK, 2 BOS, 3 EOS, 4 MASK, 5 SEP}, then the 20 standard amino acids {@code ACDEFGHIKLMNPQRSTVWY}
 * as ids 6..25. Any other residue letter (X, B, Z, U, O, ...) maps to UNK.
 */
public final class Vocabulary {
  public static final int PAD = 0;
  public static final int UNK = 1;
  public static final int BOS = 2;
  public static final int EOS = 3;
  /** Written where the crop window skips residues between two kept stretches (see {@link CropWindow}). */
  public static final int MASK = 4;
  public static final int SEP = 5;
  public static final int FIRST_RESIDUE = 6;
  public static final int SIZE = 26;

  private static final String[] SPECIAL = {"<pad>", "<unk>", "<bos>", "<eos>", "<mask>", "<sep>"};

  private Vocabulary() {
  }

  /** The id of a residue letter (case-insensitive); UNK for anything but the 20 standard amino acids. */
  public static int residue(char c) {
    int i = Mutation.AMINO_ACIDS.indexOf(Character.toUpperCase(c));
    return i < 0 ? UNK : FIRST_RESIDUE + i;
  }

  /** Readable form of a token sequence, e.g. {@code <bos>MKA<sep>GV<eos>}; for tests and debugging. */
  public static String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      if (id >= FIRST_RESIDUE && id < SIZE) {
        sb.append(Mutation.AMINO_ACIDS.charAt(id - FIRST_RESIDUE));
      } else if (id >= 0 && id < FIRST_RESIDUE) {
        sb.append(SPECIAL[id]);
      } else {
        sb.append("<?").append(id).append('>');
      }
    }
    return sb.toString();
  }
}
