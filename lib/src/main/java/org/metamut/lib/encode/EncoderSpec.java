package org.metamut.lib.encode;

import java.util.List;

/**
 * Which encoder and its window: recorded in every model file so scoring encodes exactly as training did.
 *
 * @param kind      {@value #SEPARATOR} (default), {@value #MUTANT_ONLY}, {@value #WT_MASK} or {@value #ESM} (ESM-2 tokens
 *                  for a fine-tuned ESM-2 backbone, {@link EsmEncoder})
 * @param maxTokens token budget of one encoded variant, BOS and EOS included (≤ the model's maxLen)
 */
public record EncoderSpec(String kind, int maxTokens) implements java.io.Serializable {
  public static final String SEPARATOR = "separator";
  public static final String MUTANT_ONLY = "mutant-only";
  public static final String WT_MASK = "wt-mask";
  public static final String ESM = "esm";
  public static final List<String> KINDS = List.of(SEPARATOR, MUTANT_ONLY, WT_MASK, ESM);

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

  /**
   * True when the encoder emits per-token flags that the model needs {@code useFlags} to see. The ESM encoder's flags
   * only tell site pooling where the mutated positions are ({@code ModelSpec.siteMarker()}), so it answers false.
   */
  public boolean hasFlags() {
    return WT_MASK.equals(kind);
  }

  /** True for {@value #ESM}: tokens in ESM-2's vocabulary ({@link EsmEncoder}), for an ESM-2 backbone only. */
  public boolean esm() {
    return ESM.equals(kind);
  }
}
