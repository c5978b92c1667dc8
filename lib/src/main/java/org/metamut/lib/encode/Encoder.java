package org.metamut.lib.encode;

import org.metamut.lib.mutation.Mutation;

import java.util.List;

/** Turns a wild-type sequence and a variant's mutations (1-based positions) into tokens. Stateless, thread-safe. */
public interface Encoder {

  EncoderSpec spec();

  /**
   * Encodes one variant. Throws IllegalArgumentException naming the mutation when a position is outside the
   * sequence, the wild-type letter disagrees with the sequence, a position occurs twice, or the sites cannot fit
   * the token budget even with no context.
   */
  EncodedVariant encode(String wildType, List<Mutation> mutations);

  /**
   * Whether encoding a variant with {@code sites} mutated sites of a wild type of {@code wildTypeLength} residues
   * leaves residues out (the {@link CropWindow} is smaller than the sequence): what jobs count and report.
   */
  boolean crops(int wildTypeLength, int sites);

  /** The encoder a spec names. */
  static Encoder of(EncoderSpec spec) {
    return switch (spec.kind()) {
      case EncoderSpec.SEPARATOR -> new SeparatorEncoder(spec.maxTokens());
      case EncoderSpec.MUTANT_ONLY -> new MutantOnlyEncoder(spec.maxTokens());
      case EncoderSpec.WT_MASK -> new WildTypeMaskEncoder(spec.maxTokens());
      case EncoderSpec.ESM -> new EsmEncoder(spec.maxTokens());
      default -> throw new IllegalArgumentException("unknown encoder kind '" + spec.kind() + "'");
    };
  }
}
