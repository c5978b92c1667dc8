package org.metamut.jobs.config;

import java.util.List;
import java.util.Map;

import static org.metamut.jobs.config.ConfigKey.stringKey;
import static org.metamut.jobs.config.ConfigKey.stringMapKey;

/**
 * How jobs obtain their SparkSession. Settings given to {@code spark-submit} ({@code --master},
 * {@code --conf}) win over these: metamut only fills in what spark-submit left unset.
 */
public final class SparkKeys {
  private SparkKeys() {
  }

  public static final ConfigKey<String> MASTER = stringKey("metamut.spark.master",
      "Spark master used when spark-submit was not told one (empty = local[*], the embedded default)", true);

  public static final ConfigKey<String> APP_NAME_PREFIX = stringKey("metamut.spark.app-name-prefix",
      "prefix of the Spark application name; the job name is appended", false);

  public static final ConfigKey<Map<String, String>> CONF = stringMapKey("metamut.spark.conf",
      "extra Spark properties (quoted keys starting with \"spark.\"), applied unless spark-submit set them",
      k -> k.startsWith("spark."), "keys starting with \"spark.\"");

  static List<ConfigKey<?>> all() {
    return List.of(MASTER, APP_NAME_PREFIX, CONF);
  }
}
