package org.metamut.jobs.config;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.intKey;
import static org.metamut.jobs.config.ConfigKey.longKey;
import static org.metamut.jobs.config.ConfigKey.stringKey;

/** Keys shared by every job: where outputs go, the root seed, progress reporting. */
public final class RunKeys {
  private RunKeys() {
  }

  public static final ConfigKey<String> OUTPUT_DIR = stringKey("metamut.run.output-dir",
      "base folder (local path or Hadoop URI) under which every job writes its outputs", false);

  public static final ConfigKey<String> DATA_DIR = stringKey("metamut.run.data-dir",
      "folder holding the bundled/public datasets that the catalogue's relative paths start from", false);

  public static final ConfigKey<Long> SEED = longKey("metamut.run.seed",
      "root seed; every random choice (splits, episodes, initialisation, sampling) derives from it",
      Long.MIN_VALUE, Long.MAX_VALUE);

  public static final ConfigKey<Integer> PROGRESS_INTERVAL_MS = intKey("metamut.run.progress-interval-ms",
      "minimum time between two progress lines of a long stage, in milliseconds (>= 100)", 100, Integer.MAX_VALUE);

  static List<ConfigKey<?>> all() {
    return List.of(OUTPUT_DIR, DATA_DIR, SEED, PROGRESS_INTERVAL_MS);
  }
}
