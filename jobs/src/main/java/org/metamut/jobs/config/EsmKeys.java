package org.metamut.jobs.config;

import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.lib.esm.InvalidCheckpointException;
import org.metamut.lib.method.Method;
import org.metamut.lib.method.Methods;

import java.nio.file.Path;
import java.util.List;

import static org.metamut.jobs.config.ConfigKey.stringKey;

/**
 * ESM-2 checkpoints the user provides (HuggingFace folders: {@code config.json}, {@code vocab.txt},
 * {@code model.safetensors}); metamut downloads nothing. Used by the {@code esm-zero-shot} and {@code ridge-esm}
 * methods (see README "ESM-2 checkpoints").
 */
public final class EsmKeys {
  private EsmKeys() {
  }

  public static final ConfigKey<String> CHECKPOINT = stringKey("metamut.esm.checkpoint",
      "ESM-2 checkpoint folder (HuggingFace layout: config.json, vocab.txt, model.safetensors, e.g. a download of "
          + "facebook/esm2_t12_35M_UR50D) read by the esm-zero-shot and ridge-esm methods, and the weights that "
          + "metamut.model.backbone = esm2 fine-tunes; a local path every executor can read; \"\" = none", true);

  /** {@link #FEATURE_CACHE}'s value that turns the cache off. */
  public static final String NO_CACHE = "none";

  public static final ConfigKey<String> FEATURE_CACHE = stringKey("metamut.esm.feature-cache",
      "folder of the Parquet cache of frozen ESM-2 features (ridge-esm's site embedding and the zero-shot score per "
          + "variant), one sub-folder per checkpoint fingerprint, reused by later runs; \"\" = "
          + "<metamut.run.output-dir>/esm-features; \"" + NO_CACHE + "\" = no cache (compute every run); a path or Hadoop "
          + "URI (hdfs://, s3a://) that the driver and the executors share, like metamut.run.output-dir", true)
      .accepting("\"\", \"" + NO_CACHE + "\", or a folder path without leading or trailing spaces",
          v -> v.equals(v.strip()) && !v.contains("\n"));

  public static final ConfigKey<Boolean> HEAD_FEATURES = ConfigKey.boolKey("metamut.esm.head-features",
      "true = a closed-form head (cf-head) also solves on each variant's frozen ESM-2 features (the final-layer state "
          + "averaged over its mutated sites, plus the zero-shot score when the checkpoint has an LM head): one more "
          + "penalty block, standardised on the support, its penalty chosen per task by support leave-one-out; in "
          + "evaluate and score alike (other methods are unchanged); needs metamut.esm.checkpoint; false = off");

  static List<ConfigKey<?>> all() {
    return List.of(CHECKPOINT, FEATURE_CACHE, HEAD_FEATURES);
  }

  /**
   * The checkpoint folder whose features a closed-form head adds ({@link #HEAD_FEATURES}), or empty when that is off;
   * on without a checkpoint, or with a broken one, is a config error naming both keys.
   */
  public static java.util.Optional<EsmCheckpoint> headFeatures(MetamutConfig cfg) {
    if (!cfg.get(HEAD_FEATURES)) {
      return java.util.Optional.empty();
    }
    if (cfg.get(CHECKPOINT).isEmpty()) {
      throw new MetamutConfig.InvalidConfigException(List.of(HEAD_FEATURES.path() + " = true but " + CHECKPOINT.path()
          + " is empty: set it to an ESM-2 checkpoint folder (see 'metamut model import-esm DIR') or turn "
          + HEAD_FEATURES.path() + " off"));
    }
    return java.util.Optional.of(checkpoint(cfg));
  }

  /**
   * The feature cache folder to use, or empty when it is off ({@value #NO_CACHE}); a folder that exists as a file is
   * a config error naming the key.
   */
  public static java.util.Optional<String> featureCache(MetamutConfig cfg) {
    String v = cfg.get(FEATURE_CACHE);
    if (NO_CACHE.equals(v)) {
      return java.util.Optional.empty();
    }
    String dir = v.isEmpty() ? stripSlash(cfg.get(RunKeys.OUTPUT_DIR)) + "/esm-features" : v;
    if (!dir.contains("://") && !dir.startsWith("file:") && java.nio.file.Files.isRegularFile(Path.of(dir))) {
      throw new MetamutConfig.InvalidConfigException(List.of(FEATURE_CACHE.path() + " = \"" + v + "\": " + dir
          + " is a file, the feature cache is a folder; give a folder, \"\" (under metamut.run.output-dir) or \""
          + NO_CACHE + "\""));
    }
    return java.util.Optional.of(dir);
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * The resources the configured baselines get, checked now (before any training): a method that needs a checkpoint
   * with none configured, or a folder that is missing, incomplete or not ESM-2, is a config error naming the key.
   */
  public static Method.Resources resources(MetamutConfig cfg, List<String> methods) {
    String dir = cfg.get(CHECKPOINT);
    List<String> needing = methods.stream().filter(m -> Methods.get(m).needsEsm()).toList();
    if (dir.isEmpty()) {
      if (!needing.isEmpty()) {
        throw new MetamutConfig.InvalidConfigException(List.of(CHECKPOINT.path() + " is empty but the methods "
            + needing + " need an ESM-2 checkpoint folder: set it (see 'metamut model import-esm DIR') or drop them"));
      }
      return Method.Resources.NONE;
    }
    checkpoint(cfg);
    return new Method.Resources(dir);
  }

  /** The configured checkpoint, validated (its header and shapes; no weights read); a problem is a config error. */
  public static EsmCheckpoint checkpoint(MetamutConfig cfg) {
    String dir = cfg.get(CHECKPOINT);
    try {
      return EsmCheckpoint.open(Path.of(dir));
    } catch (InvalidCheckpointException e) {
      throw new MetamutConfig.InvalidConfigException(List.of(CHECKPOINT.path() + " = \"" + dir + "\": " + e.getMessage()));
    }
  }
}
