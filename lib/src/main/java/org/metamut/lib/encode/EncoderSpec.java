package org.metamut.lib.encode;

import java.util.List;

/**
 * Which encoder and its window: recorded in every model file so scoring encodes exactly as training did.
 *
 * @param kind      {@value #SEPARATOR} (default), {@value #MUTANT_ONLY} or {@value #WT_MASK}
 * @param maxTokens token budget of one encoded variant, BOS and EOS included (≤ the model's maxLen)
 */
public record EncoderSpec(String kind, int maxTokens) implements java.io.Serializable {
  public static final String SEPARATOR = "separator";
  public static final String MUTANT_ONLY = "mutant-only";
  public static final String WT_MASK = "wt-mask";
  public static final List<String> KINDS = List.of(SEPARATOR, MUTANT_ONLY, WT_MASK);

  public EncoderSpec {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("encoder kind '" + kind + "' is not one of " + KINDS);
    }
    if (maxTokens < 3) {
      throw new IllegalArgumentException("encoder maxTokens must be >= 3 (BOS, one residue, EOS), got " + maxTokens);
    }
  }

  /** The default: separator encoding with the given token budget. */
  public static EncoderSpec separator(int maxTokens) {
    return new EncoderSpec(SEPARATOR, maxTokens);
  }

  /** True when the encoder emits per-token flags (the model then needs {@code useFlags} to see them). */
  public boolean hasFlags() {
    return WT_MASK.equals(kind);
  }
}
