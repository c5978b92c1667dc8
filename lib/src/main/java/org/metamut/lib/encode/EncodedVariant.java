package org.metamut.lib.encode;

import org.metamut.lib.model.TokenBatch;

import java.util.Arrays;
import java.util.List;

/**
 * One encoded variant: token ids (no padding) and, for encoders that have them, one flag per token
 * (1 = mutated position), else null; and its {@link SiteKeys} (its one-hot difference from the wild type, for a
 * closed-form head's site block), or null where the variant's mutations are not known (tokens read back from a batch).
 * The site keys do not reach the model's tokens ({@link #toBatch} drops them). {@code esm}: the variant's frozen
 * ESM-2 features (a closed-form head's ESM block, {@code org.metamut.lib.adapt.EsmBlock}), attached by the job that has
 * the checkpoint ({@link #withEsm}); null when none were attached. Like the site keys, they never reach the tokens.
 */
public record EncodedVariant(int[] ids, byte[] flags, long[] sites, double[] esm) {

  public EncodedVariant {
    if (flags != null && flags.length != ids.length) {
      throw new IllegalArgumentException("flags has " + flags.length + " entries for " + ids.length + " tokens");
    }
  }

  /** Tokens without site keys. */
  public EncodedVariant(int[] ids, byte[] flags) {
    this(ids, flags, null, null);
  }

  /** Tokens and site keys, no ESM-2 features. */
  public EncodedVariant(int[] ids, byte[] flags, long[] sites) {
    this(ids, flags, sites, null);
  }

  /** This variant with its ESM-2 features (not copied: the caller hands over the array). */
  public EncodedVariant withEsm(double[] features) {
    return new EncodedVariant(ids, flags, sites, features);
  }

  public int length() {
    return ids.length;
  }

  /**
   * Pads variants with PAD (flags 0) into a batch of sequence length {@code seqLen}, or the longest variant's
   * length when {@code seqLen <= 0}. Flags are carried when any variant has them. {@code targets} may be null.
   */
  public static TokenBatch toBatch(List<EncodedVariant> variants, double[] targets, int seqLen) {
    if (variants.isEmpty()) {
      throw new IllegalArgumentException("cannot batch zero variants");
    }
    int longest = variants.stream().mapToInt(EncodedVariant::length).max().orElse(1);
    int t = seqLen > 0 ? seqLen : longest;
    if (longest > t) {
      throw new IllegalArgumentException("a variant has " + longest + " tokens, longer than the batch length " + t);
    }
    boolean anyFlags = variants.stream().anyMatch(v -> v.flags() != null);
    int b = variants.size();
    int[] ids = new int[b * t];
    byte[] flags = anyFlags ? new byte[b * t] : null;
    for (int i = 0; i < b; i++) {
      EncodedVariant v = variants.get(i);
      System.arraycopy(v.ids(), 0, ids, i * t, v.length());
      if (anyFlags && v.flags() != null) {
        System.arraycopy(v.flags(), 0, flags, i * t, v.length());
      }
    }
    return new TokenBatch(b, t, ids, flags, targets == null ? null : targets.clone());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncodedVariant e && Arrays.equals(ids, e.ids) && Arrays.equals(flags, e.flags)
        && Arrays.equals(sites, e.sites) && Arrays.equals(esm, e.esm);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids);
  }

  @Override
  public String toString() {
    return Vocabulary.decode(ids);
  }
}
