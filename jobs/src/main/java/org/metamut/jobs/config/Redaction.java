package org.metamut.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one place that decides what of a configuration is secret. Every path that writes or prints the
 * configuration goes through it ({@link MetamutConfig#renderMetamut()}: model provenance, checkpoint and model
 * manifests, the score summary, the evaluation report; {@link MetamutConfig#explain()}: {@code config show}), so a
 * Spark or Hadoop secret passed in {@code metamut.spark.conf} never reaches a file or a terminal.
 *
 * <p>A key is secret when its path matches {@link #SECRET_KEY}: Spark's default {@code spark.redaction.regex}
 * ({@code (?i)secret|password|token|access[.]key}) widened to the spellings Hadoop and cloud SDKs use
 * ({@code access-key}, {@code private.key}, {@code api_key}, {@code passwd}, {@code credentials}). {@code tokens} (plural)
 * is not matched, so a count such as {@code metamut.model.max-tokens} stays readable. The value is replaced by
 * Spark's own marker, {@value #REDACTED}.
 */
public final class Redaction {
  /** Keys whose values are never written or printed. */
  public static final Pattern SECRET_KEY = Pattern.compile(
      "(?i)secret|password|passwd|credentials?(?![a-z])|token(?!s)|access[._-]?key|private[._-]?key|api[._-]?key");
  /** What a secret value is replaced by (Spark's marker). */
  public static final String REDACTED = "*********(redacted)";

  private Redaction() {
  }

  /** Whether {@code key} (a config path, a Spark or Hadoop property name) names a secret. */
  public static boolean isSecret(String key) {
    return SECRET_KEY.matcher(key).find();
  }

  /** {@code c} with the value of every secret leaf replaced by {@link #REDACTED}. */
  public static Config redact(Config c) {
    Config out = c;
    for (Map.Entry<String, com.typesafe.config.ConfigValue> e : c.entrySet()) {
      if (isSecret(e.getKey())) {
        out = out.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(REDACTED, "redacted by metamut"));
      }
    }
    return out;
  }
}
