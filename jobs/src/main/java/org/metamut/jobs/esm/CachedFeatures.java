package org.metamut.jobs.esm;

import org.apache.spark.broadcast.Broadcast;
import org.metamut.lib.baseline.Variant;
import org.metamut.lib.esm.EsmFeatureStore;

import java.util.Map;

/**
 * The cached values of one run's variants as the executors see them: a broadcast map (one copy per executor, not
 * per task) keyed by {@link #key}.
 */
public final class CachedFeatures implements EsmFeatureStore {
  private static final long serialVersionUID = 1L;

  private final String fingerprint;
  private final Broadcast<Map<String, Entry>> values;

  CachedFeatures(String fingerprint, Broadcast<Map<String, Entry>> values) {
    this.fingerprint = fingerprint;
    this.values = values;
  }

  /** {@code protein|variant}: the wild type's SHA-256 and the mutations in position order. */
  static String key(String protein, String variant) {
    return protein + "|" + variant;
  }

  static String key(Variant v) {
    return key(EsmFeatureStore.protein(v.wildType()), EsmFeatureStore.variant(v));
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public Entry get(Variant v) {
    return values.value().get(key(v));
  }

  /** How many variants it holds. */
  public int size() {
    return values.value().size();
  }
}
