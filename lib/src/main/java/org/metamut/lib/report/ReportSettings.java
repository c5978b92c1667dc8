package org.metamut.lib.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.metamut.lib.metrics.Bootstrap;
import org.metamut.lib.metrics.Metric;

/**
 * What the report needs besides the records. Build with {@link #builder()}; every setting has a default.
 *
 * @param title report title
 * @param primaryMetric metric of the charts and headline tables (default Spearman)
 * @param referenceMethod method the relative improvements are stated against (e.g. {@code finetune});
 *     null: no improvement table
 * @param bootstrapResamples bootstrap replicates per interval (default 2000)
 * @param bootstrapLevel confidence level (default 0.95)
 * @param bootstrapSeed root seed of every interval (default 1)
 * @param config the resolved configuration behind the run, key → rendered value (shown and saved as given)
 * @param fingerprints input data fingerprints, name → checksum (e.g. a dataset and its SHA-256)
 * @param generatedAt timestamp text shown in the report; the caller supplies it, so files stay reproducible
 */
public record ReportSettings(String title, Metric primaryMetric, String referenceMethod, int bootstrapResamples,
    double bootstrapLevel, long bootstrapSeed, Map<String, String> config, Map<String, String> fingerprints,
    String generatedAt) {

  public static final String TITLE_DEFAULT = "metamut evaluation";
  public static final Metric PRIMARY_METRIC_DEFAULT = Metric.SPEARMAN;
  public static final long BOOTSTRAP_SEED_DEFAULT = 1L;

  public ReportSettings {
    if (title == null || title.isBlank()) {
      throw new IllegalArgumentException("report title must not be blank");
    }
    if (primaryMetric == null) {
      throw new IllegalArgumentException("report primary metric must be set");
    }
    new Bootstrap(bootstrapResamples, bootstrapLevel, bootstrapSeed); // validates
    config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
    fingerprints = Collections.unmodifiableMap(new LinkedHashMap<>(fingerprints));
    generatedAt = generatedAt == null ? "" : generatedAt;
  }

  /** The bootstrap of one group: the root seed mixed with a stable hash of the group's name. */
  Bootstrap bootstrap(String group) {
    long h = bootstrapSeed * 0x9E3779B97F4A7C15L + group.hashCode();
    return new Bootstrap(bootstrapResamples, bootstrapLevel, h);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Fluent builder; unset fields keep their defaults. */
  public static final class Builder {
    private String title = TITLE_DEFAULT;
    private Metric primaryMetric = PRIMARY_METRIC_DEFAULT;
    private String referenceMethod;
    private int resamples = Bootstrap.DEFAULT_RESAMPLES;
    private double level = Bootstrap.DEFAULT_LEVEL;
    private long seed = BOOTSTRAP_SEED_DEFAULT;
    private final Map<String, String> config = new LinkedHashMap<>();
    private final Map<String, String> fingerprints = new LinkedHashMap<>();
    private String generatedAt = "";

    public Builder title(String v) {
      title = v;
      return this;
    }

    public Builder primaryMetric(Metric v) {
      primaryMetric = v;
      return this;
    }

    public Builder referenceMethod(String v) {
      referenceMethod = v;
      return this;
    }

    /** Number of bootstrap replicates (>= 1). */
    public Builder bootstrapResamples(int v) {
      resamples = v;
      return this;
    }

    /** Confidence level in (0, 1). */
    public Builder bootstrapLevel(double v) {
      level = v;
      return this;
    }

    public Builder bootstrapSeed(long v) {
      seed = v;
      return this;
    }

    public Builder config(Map<String, String> v) {
      config.putAll(v);
      return this;
    }

    public Builder config(String key, String value) {
      config.put(key, value);
      return this;
    }

    public Builder fingerprint(String name, String checksum) {
      fingerprints.put(name, checksum);
      return this;
    }

    public Builder fingerprints(Map<String, String> v) {
      fingerprints.putAll(v);
      return this;
    }

    public Builder generatedAt(String v) {
      generatedAt = v;
      return this;
    }

    public ReportSettings build() {
      return new ReportSettings(title, primaryMetric, referenceMethod, resamples, level, seed, config, fingerprints,
          generatedAt);
    }
  }
}
