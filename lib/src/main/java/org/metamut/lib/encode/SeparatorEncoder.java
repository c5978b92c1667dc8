package org.metamut.lib.encode;

import org.metamut.lib.mutation.Mutation;

import java.util.List;

/**
 * The default encoding (the paper's idea): the wild type with each mutated site written in-line as
 * {@code wt SEP mt}, e.g. A4G in MKTAYI → {@code <bos> M K T A <sep> G Y I <eos>}. No flags.
 */
public final class SeparatorEncoder extends SiteEncoder {
  public SeparatorEncoder(int maxTokens) {
    super(new EncoderSpec(EncoderSpec.SEPARATOR, maxTokens));
  }

  @Override
  int extraTokensPerSite() {
    return 2;
  }

  @Override
  void emitSite(Mutation m, List<Integer> ids, List<Byte> flags) {
    ids.add(Vocabulary.residue(m.wt()));
    ids.add(Vocabulary.SEP);
    ids.add(Vocabulary.residue(m.mt()));
    flags.add((byte) 0);
    flags.add((byte) 0);
    flags.add((byte) 0);
  }
}
