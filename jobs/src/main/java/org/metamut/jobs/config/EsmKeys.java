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
          + "facebook/esm2_t12_35M_UR50D) read by the esm-zero-shot and ridge-esm methods; a local path every executor "
          + "can read; \"\" = none", true);

  static List<ConfigKey<?>> all() {
    return List.of(CHECKPOINT);
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
