package org.metamut.lib.io;

import java.util.Map;
import java.util.TreeMap;

/**
 * How the regression target was normalised from raw values, so predictions can be mapped back:
 * {@code method} names the rule (e.g. {@code "none"}, {@code "zscore"}, {@code "rank"}) and {@code params} its numbers
 * (e.g. {@code mean}, {@code std}, {@code sign} = −1 where lower raw values are better). Kept open on purpose: the
 * ingest and evaluation code owns the rules; the model file only records them.
 */
public record Normalisation(String method, Map<String, Double> params) implements java.io.Serializable {
  public Normalisation {
    if (method == null || method.isBlank()) {
      throw new IllegalArgumentException("normalisation method must be named (e.g. \"none\", \"zscore\")");
    }
    params = params == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(params));
  }

  public static Normalisation none() {
    return new Normalisation("none", Map.of());
  }

  public static Normalisation zScore(double mean, double std, double sign) {
    return new Normalisation("zscore", Map.of("mean", mean, "std", std, "sign", sign));
  }
}
