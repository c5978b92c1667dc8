package org.metamut.lib.encode;

import org.metamut.lib.mutation.Mutation;

import java.util.List;

/**
 * The mutant sequence in ESM-2's vocabulary, for a fine-tuned ESM-2 backbone ({@code org.metamut.lib.esm.EsmBackbone}):
 * {@code <cls>}, the window's residues with the substituted residue at each mutated site, {@code <eos>}; flag 1 at every
 * mutated site (a multi-mutant flags each), which is where site pooling reads the model's state (the ESM vocabulary has
 * no in-line site marker: {@code ModelSpec.siteMarker()}). Long proteins are cropped to a window around the sites by
 * {@link CropWindow}, like the other encoders; a skipped stretch between two kept stretches is written as {@code <unk>},
 * not {@code <mask>}, because the backbone folds ESM-2's token-dropout scale for unmasked input into its embeddings
 * (a {@code <mask>} would change that scale in the original model).
 *
 * <p>Ids are ESM-2's ({@link #ALPHABET}) except that {@code <cls>} (0) and {@code <pad>} (1) are swapped, so that
 * padding is {@code TokenBatch.PAD} = 0 as everywhere in the model; the backbone's importer swaps the same two rows of
 * the embedding table ({@link #fromEsm}).
 */
public final class EsmEncoder extends SiteEncoder {

  /** ESM-2's 33 tokens in ESM id order: the {@code vocab.txt} of every published ESM-2 checkpoint. */
  public static final List<String> ALPHABET = List.of("<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "G", "V", "S", "E",
      "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y", "M", "H", "W", "C", "X", "B", "U", "Z", "O", ".", "-",
      "<null_1>", "<mask>");

  /** Remapped ids: padding is 0 ({@code TokenBatch.PAD}), {@code <cls>} 1, the rest ESM-2's. */
  public static final int PAD = 0;
  public static final int CLS = 1;
  public static final int EOS = 2;
  public static final int UNK = 3;

  public EsmEncoder(int maxTokens) {
    super(new EncoderSpec(EncoderSpec.ESM, maxTokens));
  }

  /** Our id of ESM-2 id {@code esmId} (and, the map being its own inverse, ESM-2's id of ours): 0 ↔ 1 swapped. */
  public static int fromEsm(int esmId) {
    return esmId == 0 ? 1 : esmId == 1 ? 0 : esmId;
  }

  /** Remapped id of each letter 'A'..'Z' ({@code <unk>} for letters ESM-2 has no token for): one lookup per token. */
  private static final int[] LETTER_IDS = new int[26];

  static {
    for (char u = 'A'; u <= 'Z'; u++) {
      int i = ALPHABET.indexOf(String.valueOf(u));
      LETTER_IDS[u - 'A'] = i >= 0 ? fromEsm(i) : UNK;
    }
  }

  /** The (remapped) id of a residue letter, case-insensitive: ESM-2's letter token, {@code <unk>} for anything else. */
  public static int residueId(char c) {
    char u = Character.toUpperCase(c);
    return u >= 'A' && u <= 'Z' ? LETTER_IDS[u - 'A'] : UNK;
  }

  @Override
  int extraTokensPerSite() {
    return 0;
  }

  @Override
  boolean flagged() {
    return true;
  }

  @Override
  void emitSite(Mutation m, List<Integer> ids, List<Byte> flags) {
    ids.add(residueId(m.mt()));
    flags.add((byte) 1);
  }

  @Override
  int residue(char c) {
    return residueId(c);
  }

  @Override
  int bos() {
    return CLS;
  }

  @Override
  int eos() {
    return EOS;
  }

  @Override
  int gap() {
    return UNK;
  }
}
