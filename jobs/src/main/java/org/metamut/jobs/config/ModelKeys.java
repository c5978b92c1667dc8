package org.metamut.jobs.config;

import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.TransformerFactory;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.boolKey;
import static org.metamut.jobs.config.ConfigKey.enumKey;
import static org.metamut.jobs.config.ConfigKey.intKey;

/**
 * The model architecture and the mutation encoder. The defaults are DESIGN.md §6 (ModelSpec.reference()) with the
 * separator encoding; everything else is an option on top. Both are recorded in every model file.
 */
public final class ModelKeys {
  private ModelKeys() {
  }

  public static final ConfigKey<String> ENCODER = enumKey("metamut.model.encoder",
      "mutation encoding: separator (wt <SEP> mt in-line, default), mutant-only, or wt-mask (wild type + flags on mutated "
          + "positions; set use-flags = true for the model to see them)",
      EncoderSpec.KINDS.toArray(new String[0]));

  public static final ConfigKey<Integer> MAX_TOKENS = intKey("metamut.model.max-tokens",
      "tokens per encoded variant, BOS and EOS included: the crop window and the model's position table (>= 3)", 3, 4096);

  public static final ConfigKey<Integer> LAYERS = intKey("metamut.model.layers", "transformer blocks (>= 1)", 1, 64);

  public static final ConfigKey<Integer> D_MODEL = intKey("metamut.model.d-model", "model width (>= 2, divisible by heads)", 2, 4096);

  public static final ConfigKey<Integer> HEADS = intKey("metamut.model.heads", "attention heads (>= 1, divides d-model)", 1, 256);

  public static final ConfigKey<Integer> FF_DIM = intKey("metamut.model.ff-dim", "feed-forward width (>= 1)", 1, 65536);

  public static final ConfigKey<String> POSITIONAL = enumKey("metamut.model.positional",
      "position encoding: learned (reference) or sinusoidal", "learned", "sinusoidal");

  public static final ConfigKey<String> POOLING = enumKey("metamut.model.pooling",
      "pooling before the scalar head: mean over non-padding tokens (reference), cls (the BOS token) or sites (the sum "
          + "of the states at the mutated sites: the separator tokens, else the flagged tokens; what cf-head reads)",
      "mean", "cls", "sites");

  public static final ConfigKey<Boolean> SUBSTITUTION_FEATURES = boolKey("metamut.model.substitution-features",
      "the scalar head also reads each variant's substitution block (BLOSUM62, hydropathy, volume, charge, number of "
          + "mutations of its wt SEP mt groups, fixed scales) through head.Ws: what the closed-form head (cf-head) "
          + "weighs like the ridge baseline; off in the reference model");

  public static final ConfigKey<Boolean> USE_FLAGS = boolKey("metamut.model.use-flags",
      "add a learned embedding at flagged tokens (needed for the wt-mask encoder to mark mutated positions)");

  public static final ConfigKey<String> DTYPE = enumKey("metamut.model.dtype",
      "compute precision of the model: float (speed) or double (checks)", "float", "double");

  static List<ConfigKey<?>> all() {
    return List.of(ENCODER, MAX_TOKENS, LAYERS, D_MODEL, HEADS, FF_DIM, POSITIONAL, POOLING, USE_FLAGS,
        SUBSTITUTION_FEATURES, DTYPE);
  }

  /** The architecture the configuration describes; cross-key problems (heads not dividing d-model) are config errors. */
  public static ModelSpec spec(MetamutConfig cfg) {
    try {
      return ModelSpec.reference(cfg.get(LAYERS), cfg.get(D_MODEL), cfg.get(HEADS), cfg.get(FF_DIM), cfg.get(MAX_TOKENS))
          .withPositional(ModelSpec.Positional.valueOf(cfg.get(POSITIONAL).toUpperCase(java.util.Locale.ROOT)))
          .withPooling(ModelSpec.Pooling.valueOf(cfg.get(POOLING).toUpperCase(java.util.Locale.ROOT)))
          .withFlags(cfg.get(USE_FLAGS))
          .withSubstitutionFeatures(cfg.get(SUBSTITUTION_FEATURES));
    } catch (IllegalArgumentException e) {
      throw new MetamutConfig.InvalidConfigException(List.of("metamut.model: " + e.getMessage()));
    }
  }

  public static EncoderSpec encoder(MetamutConfig cfg) {
    return new EncoderSpec(cfg.get(ENCODER), cfg.get(MAX_TOKENS));
  }

  /** The factory of the configured model (architecture and precision): what meta-training builds on executors. */
  public static TransformerFactory factory(MetamutConfig cfg) {
    return new TransformerFactory(spec(cfg), dataType(cfg) == DataType.DOUBLE);
  }

  public static DataType dataType(MetamutConfig cfg) {
    return "double".equals(cfg.get(DTYPE)) ? DataType.DOUBLE : DataType.FLOAT;
  }
}
