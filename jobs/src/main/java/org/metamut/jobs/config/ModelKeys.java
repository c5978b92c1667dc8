package org.metamut.jobs.config;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.enumKey;
import static org.metamut.jobs.config.ConfigKey.intKey;

/**
 * Keys of the model architecture (DESIGN.md §6 by default) and the mutation encoder; they become a
 * {@code ModelSpec} and an {@code EncoderSpec}, recorded in every model file.
 */
public final class ModelKeys {
  private ModelKeys() {
  }

  public static final ConfigKey<Integer> LAYERS = intKey("metamut.model.layers",
      "transformer blocks L (>= 0)", 0, 64);

  public static final ConfigKey<Integer> D_MODEL = intKey("metamut.model.d-model",
      "model width d (>= 1, divisible by heads)", 1, 8192);

  public static final ConfigKey<Integer> HEADS = intKey("metamut.model.heads",
      "attention heads H (>= 1, divides d-model)", 1, 256);

  public static final ConfigKey<Integer> FF_DIM = intKey("metamut.model.ff-dim",
      "feed-forward width (>= 1)", 1, 65536);

  public static final ConfigKey<Integer> MAX_TOKENS = intKey("metamut.model.max-tokens",
      "tokens per encoded variant, BOS/EOS included, = the model's sequence length T (>= 3)", 3, 8192);

  public static final ConfigKey<String> POSITIONAL = enumKey("metamut.model.positional",
      "position embeddings: learned (reference) or sinusoidal", "learned", "sinusoidal");

  public static final ConfigKey<String> POOLING = enumKey("metamut.model.pooling",
      "pooling before the head: mean over non-padding tokens (reference) or cls (first token)", "mean", "cls");

  public static final ConfigKey<String> DTYPE = enumKey("metamut.model.dtype",
      "precision the model computes in: float32 (fast) or float64 (checks)", "float32", "float64");

  public static final ConfigKey<String> ENCODER = enumKey("metamut.model.encoder",
      "mutation encoding: separator (wt <SEP> mt in context, default), mutant-only, wt-mask",
      "separator", "mutant-only", "wt-mask");

  static List<ConfigKey<?>> all() {
    return List.of(LAYERS, D_MODEL, HEADS, FF_DIM, MAX_TOKENS, POSITIONAL, POOLING, DTYPE, ENCODER);
  }
}
