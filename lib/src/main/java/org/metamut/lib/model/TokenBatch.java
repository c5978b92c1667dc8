package org.metamut.lib.model;

import java.util.Arrays;

/**
 * A padded batch of encoded variants: {@code ids[b * seqLen + t]} is the token at position t of example b
 * (0 = padding; the vocabulary is {@code org.metamut.lib.encode}'s), {@code flags} optionally marks tokens
 * (e.g. mutated positions for the wild-type + mask encoding; null when the encoding has none), and
 * {@code targets[b]} is the regression target.
 */
public record TokenBatch(int batchSize, int seqLen, int[] ids, byte[] flags, double[] targets) {

  public static final int PAD = 0;

  /**
   * The token that marks a mutated site in-line ({@code org.metamut.lib.encode.Vocabulary#SEP}: the separator
   * encoding writes {@code wt SEP mt} at each site); site pooling reads the model's state there.
   */
  public static final int SITE_MARKER = 5;

  public TokenBatch {
    if (batchSize < 1 || seqLen < 1) {
      throw new IllegalArgumentException("batch must have batchSize >= 1 and seqLen >= 1, got " + batchSize + "x" + seqLen);
    }
    if (ids.length != batchSize * seqLen) {
      throw new IllegalArgumentException("ids has " + ids.length + " entries, expected " + batchSize + "x" + seqLen);
    }
    if (flags != null && flags.length != ids.length) {
      throw new IllegalArgumentException("flags has " + flags.length + " entries, expected " + ids.length);
    }
    if (targets != null && targets.length != batchSize) {
      throw new IllegalArgumentException("targets has " + targets.length + " entries, expected " + batchSize);
    }
  }

  /** A batch without per-token flags. */
  public static TokenBatch of(int batchSize, int seqLen, int[] ids, double[] targets) {
    return new TokenBatch(batchSize, seqLen, ids, null, targets);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenBatch b && batchSize == b.batchSize && seqLen == b.seqLen
        && Arrays.equals(ids, b.ids) && Arrays.equals(flags, b.flags) && Arrays.equals(targets, b.targets);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + Arrays.hashCode(targets);
  }

  @Override
  public String toString() {
    return "TokenBatch[" + batchSize + "x" + seqLen + "]";
  }
}
