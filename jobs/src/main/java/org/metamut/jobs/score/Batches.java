package org.metamut.jobs.score;

import org.metamut.lib.encode.EncodedVariant;
import org.metamut.lib.model.TokenBatch;

import java.util.List;

/** Padding encoded variants into fixed-shape {@link TokenBatch}es. */
final class Batches {
  private Batches() {
  }

  /**
   * A batch of exactly {@code batchSize} rows (missing rows repeat the first one and are to be ignored), padded
   * with {@link TokenBatch#PAD} to the longest row rounded up to a multiple of 8 (at most {@code maxLen}): a few
   * fixed shapes, so the model reuses its buffers. Padding does not change predictions (padded keys get no
   * attention and padded tokens are not pooled). Flags are carried when any row has them.
   */
  static TokenBatch pad(List<EncodedVariant> rows, int batchSize, int maxLen, double[] targets) {
    if (rows.isEmpty() || rows.size() > batchSize) {
      throw new IllegalArgumentException("batch of " + rows.size() + " rows for batch size " + batchSize);
    }
    int longest = 0;
    boolean anyFlags = false;
    for (EncodedVariant r : rows) {
      longest = Math.max(longest, r.length());
      anyFlags |= r.flags() != null;
    }
    if (longest > maxLen) {
      throw new IllegalArgumentException("encoded variant of " + longest + " tokens is longer than maxLen " + maxLen);
    }
    int t = Math.max(longest, Math.min(maxLen, (longest + 7) / 8 * 8));
    int[] ids = new int[batchSize * t];
    byte[] flags = anyFlags ? new byte[batchSize * t] : null;
    for (int b = 0; b < batchSize; b++) {
      EncodedVariant r = rows.get(b < rows.size() ? b : 0);
      System.arraycopy(r.ids(), 0, ids, b * t, r.length());
      if (flags != null && r.flags() != null) {
        System.arraycopy(r.flags(), 0, flags, b * t, r.length());
      }
    }
    double[] y = null;
    if (targets != null) {
      y = new double[batchSize];
      for (int b = 0; b < batchSize; b++) {
        y[b] = targets[b < rows.size() ? b : 0];
      }
    }
    return new TokenBatch(batchSize, t, ids, flags, y);
  }
}
