package org.metamut.lib.esm;

import org.metamut.lib.baseline.Variant;
import org.metamut.lib.mutation.Mutation;
import org.metamut.lib.provenance.Sha256;

import java.io.Serializable;
import java.util.Comparator;
import java.util.stream.Collectors;

/**
 * Per-variant ESM-2 values computed earlier (e.g. read from the jobs' Parquet feature cache) for one checkpoint, so
 * that {@code ridge-esm} and {@code esm-zero-shot} skip the forward pass for them. A store belongs to exactly one
 * checkpoint: whoever builds it guarantees that {@link #fingerprint()} is the {@link EsmCheckpoint#fingerprint()} of
 * the checkpoint it is given with (values of another checkpoint would be silently wrong; the baselines do not re-hash
 * the weights on every executor to check).
 */
public interface EsmFeatureStore extends Serializable {

  /**
   * The values of one variant: what {@link EsmScorer#siteEmbedding} and {@link EsmScorer#zeroShot} return. The
   * embedding is empty when only the zero-shot score was computed ({@code score --esm-zero-shot}); the zero-shot score is
   * NaN for a checkpoint without an LM head.
   */
  record Entry(float[] embedding, double zeroShot) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** True when the site embedding was stored (not a row of the zero-shot score alone). */
    public boolean hasEmbedding() {
      return embedding.length > 0;
    }
  }

  /**
   * The zero-shot score of {@code v}: the one stored in {@code store} (null = no store), else {@code compute}'s — the
   * one rule every reader of stored scores follows, so a stored score and a computed one are never mixed up.
   */
  static double zeroShot(EsmFeatureStore store, Variant v, java.util.function.ToDoubleFunction<Variant> compute) {
    Entry e = store == null ? null : store.get(v);
    return e != null && !Double.isNaN(e.zeroShot()) ? e.zeroShot() : compute.applyAsDouble(v);
  }

  /** The checkpoint's {@code sha256:} fingerprint the values were computed with. */
  String fingerprint();

  /** The stored values of {@code v}, or null when it is not stored. */
  Entry get(Variant v);

  /**
   * The protein identity of a key: the SHA-256 of the wild-type sequence (the sequence the values were computed on,
   * whatever the protein is called in a source).
   */
  static String protein(String wildType) {
    return Sha256.hex(wildType);
  }

  /** The variant part of a key: its mutations in position order joined by ':' ({@code WT} for none). */
  static String variant(Variant v) {
    return v.mutations().isEmpty() ? "WT" : v.mutations().stream().sorted(Comparator.comparingInt(Mutation::pos))
        .map(Mutation::toString).collect(Collectors.joining(":"));
  }
}
