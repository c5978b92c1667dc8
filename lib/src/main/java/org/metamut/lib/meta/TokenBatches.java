package org.metamut.lib.meta;

import org.metamut.lib.model.TokenBatch;

/** Small operations on {@link TokenBatch}es. */
public final class TokenBatches {
  private TokenBatches() {
  }

  /** Examples of {@code a} then {@code b}; the shorter one is right-padded to the longer sequence length. */
  public static TokenBatch concat(TokenBatch a, TokenBatch b) {
    int t = Math.max(a.seqLen(), b.seqLen());
    int n = a.batchSize() + b.batchSize();
    int[] ids = new int[n * t];
    boolean anyFlags = a.flags() != null || b.flags() != null;
    byte[] flags = anyFlags ? new byte[n * t] : null;
    double[] y = a.targets() != null && b.targets() != null ? new double[n] : null;
    int row = 0;
    for (TokenBatch x : new TokenBatch[] {a, b}) {
      for (int i = 0; i < x.batchSize(); i++, row++) {
        System.arraycopy(x.ids(), i * x.seqLen(), ids, row * t, x.seqLen());
        if (x.flags() != null) {
          System.arraycopy(x.flags(), i * x.seqLen(), flags, row * t, x.seqLen());
        }
        if (y != null) {
          y[row] = x.targets()[i];
        }
      }
    }
    return new TokenBatch(n, t, ids, flags, y);
  }
}
