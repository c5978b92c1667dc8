package org.metamut.jobs.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class RedactionTest {
  /** Secret-looking Spark and Hadoop keys, as a deployment would pass them in metamut.spark.conf. */
  public static final String SECRETS = "metamut.spark.conf {\n"
      + "  \"spark.authenticate.secret\" = \"hunter2-spark\"\n"
      + "  \"spark.hadoop.fs.s3a.access.key\" = \"AKIAHUNTER2\"\n"
      + "  \"spark.hadoop.fs.s3a.secret.key\" = \"hunter2-s3\"\n"
      + "  \"spark.kubernetes.authenticate.submission.oauthToken\" = \"hunter2-k8s\"\n"
      + "  \"spark.ssl.keyStorePassword\" = \"hunter2-ssl\"\n"
      + "  \"spark.executor.memory\" = \"3g\"\n"
      + "}\n";

  @Test
  void secretLookingKeysAreSecretAndCountsAreNot() {
    for (String k : List.of("spark.authenticate.secret", "spark.hadoop.fs.s3a.access.key", "fs.s3a.secret.key",
        "spark.ssl.keyStorePassword", "spark.kubernetes.authenticate.submission.oauthToken", "AWS_SECRET_ACCESS_KEY",
        "spark.hadoop.fs.azure.account.key.x.private-key", "api_key", "spark.hadoop.fs.s3a.session.token")) {
      assertTrue(Redaction.isSecret(k), k);
    }
    for (String k : List.of("metamut.model.max-tokens", "spark.authenticate", "spark.executor.memory",
        "spark.kubernetes.authenticate.driver.serviceAccountName", "metamut.run.seed")) {
      assertFalse(Redaction.isSecret(k), k);
    }
  }

  @Test
  void renderedAndExplainedConfigurationsNeverHoldASecret() {
    MetamutConfig cfg = MetamutConfig.fromString(SECRETS);
    String rendered = cfg.renderMetamut();
    String shown = cfg.explain().toString() + String.join(" ", cfg.explain().values().stream()
        .map(v -> v[0]).toList());
    for (String text : List.of(rendered, shown)) {
      assertFalse(text.contains("hunter2"), text);
    }
    assertTrue(rendered.contains(Redaction.REDACTED) && rendered.contains("3g"), rendered);
    assertTrue(rendered.contains("max-tokens"), "non-secret keys stay");
    // a run derived from this configuration still carries the real values (they are only hidden from output)
    MetamutConfig derived = cfg.withOverrides("metamut.run.seed = 7");
    assertEquals(7L, derived.get(RunKeys.SEED));
    assertEquals("hunter2-spark", derived.get(SparkKeys.CONF).get("spark.authenticate.secret"));
  }
}
