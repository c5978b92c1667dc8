package org.metamut.lib.encode;

import org.metamut.lib.mutation.Mutation;

import java.util.List;

/**
 * Ablation: the wild-type sequence, with flag 1 on the mutated positions (the substituted residue itself is not
 * shown). The model sees the flags only with {@code ModelSpec.useFlags}.
 */
public final class WildTypeMaskEncoder extends SiteEncoder {
  public WildTypeMaskEncoder(int maxTokens) {
    super(new EncoderSpec(EncoderSpec.WT_MASK, maxTokens));
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
    ids.add(Vocabulary.residue(m.wt()));
    flags.add((byte) 1);
  }
}
