package org.metamut.lib.encode;

import org.metamut.lib.mutation.Mutation;

import java.util.List;

/** Ablation: the mutant sequence only (the substituted residue in place of the wild type's). No flags. */
public final class MutantOnlyEncoder extends SiteEncoder {
  public MutantOnlyEncoder(int maxTokens) {
    super(new EncoderSpec(EncoderSpec.MUTANT_ONLY, maxTokens));
  }

  @Override
  int extraTokensPerSite() {
    return 0;
  }

  @Override
  void emitSite(Mutation m, List<Integer> ids, List<Byte> flags) {
    ids.add(Vocabulary.residue(m.mt()));
    flags.add((byte) 0);
  }
}
