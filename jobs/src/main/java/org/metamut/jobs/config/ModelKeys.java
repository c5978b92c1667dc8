package org.metamut.jobs.config;

import org.metamut.lib.encode.EncoderSpec;
import org.metamut.lib.esm.EsmBackbone;
import org.metamut.lib.esm.EsmCheckpoint;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.TransformerFactory;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.metamut.jobs.config.ConfigKey.boolKey;
import static org.metamut.jobs.config.ConfigKey.enumKey;
import static org.metamut.jobs.config.ConfigKey.intKey;

/**
 * The model architecture and the mutation encoder. The defaults are DESIGN.md §6 (ModelSpec.reference()) with the
 * separator encoding; everything else is an option on top. Both are recorded in every model file. {@code backbone =
 * esm2} replaces the architecture by an ESM-2 checkpoint's, fine-tuned from its weights ({@link EsmBackbone}).
 */
public final class ModelKeys {
  private ModelKeys() {
  }

  public static final ConfigKey<String> ENCODER = enumKey("metamut.model.encoder",
      "mutation encoding: separator (wt <SEP> mt in-line, default), mutant-only, wt-mask (wild type + flags on mutated "
          + "positions; set use-flags = true for the model to see them), or esm (the mutant sequence in ESM-2 tokens, "
          + "flags at the sites; only with backbone = esm2, which needs it)",
      EncoderSpec.KINDS.toArray(new String[0]));

  /** {@link #BACKBONE}'s value for the §6 transformer from a random initialisation. */
  public static final String TRANSFORMER = "transformer";
  /** {@link #BACKBONE}'s value for a fine-tuned ESM-2. */
  public static final String ESM2 = "esm2";

  public static final ConfigKey<String> BACKBONE = enumKey("metamut.model.backbone",
      "transformer (the model of the keys below, randomly initialised; default) or esm2 (fine-tune the ESM-2 checkpoint "
          + "of metamut.esm.checkpoint: its architecture, rotary positions and weights with a new zero scalar head; "
          + "needs encoder = esm; layers, d-model, heads, ff-dim and positional are the checkpoint's and ignored; "
          + "use-flags, substitution-features and substitution-context are refused; on CPU only small checkpoints are practical)",
      TRANSFORMER, ESM2);

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

  public static final ConfigKey<Boolean> SUBSTITUTION_CONTEXT = boolKey("metamut.model.substitution-context",
      "three more columns in the substitution block (needs substitution-features): a DMS substitution score from a "
          + "20 x 20 table in the model (sub.dms, started from the meta-train tasks' labels, then learned) and the site's "
          + "context hydropathy, alone and times the change in hydropathy");

  public static final ConfigKey<Boolean> USE_FLAGS = boolKey("metamut.model.use-flags",
      "add a learned embedding at flagged tokens (needed for the wt-mask encoder to mark mutated positions)");

  public static final ConfigKey<String> DTYPE = enumKey("metamut.model.dtype",
      "compute precision of the model: float (speed) or double (checks)", "float", "double");

  static List<ConfigKey<?>> all() {
    return List.of(BACKBONE, ENCODER, MAX_TOKENS, LAYERS, D_MODEL, HEADS, FF_DIM, POSITIONAL, POOLING, USE_FLAGS,
        SUBSTITUTION_FEATURES, SUBSTITUTION_CONTEXT, DTYPE);
  }

  /**
   * The architecture the configuration describes; cross-key problems (heads not dividing d-model, an ESM-2 backbone
   * without its checkpoint or encoder) are config errors. With {@code backbone = esm2} it is the checkpoint's
   * ({@link EsmBackbone#spec}) with the configured pooling and max-tokens.
   */
  public static ModelSpec spec(MetamutConfig cfg) {
    if (esm2(cfg)) {
      EsmCheckpoint c = esmCheckpoint(cfg);
      try {
        return EsmBackbone.spec(c, cfg.get(MAX_TOKENS))
            .withPooling(ModelSpec.Pooling.valueOf(cfg.get(POOLING).toUpperCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new MetamutConfig.InvalidConfigException(List.of(BACKBONE.path() + " = " + ESM2 + ": " + e.getMessage()));
      }
    }
    if (EncoderSpec.ESM.equals(cfg.get(ENCODER))) {
      throw new MetamutConfig.InvalidConfigException(List.of(ENCODER.path() + " = " + EncoderSpec.ESM + " writes ESM-2 "
          + "tokens, which only the ESM-2 backbone reads: set " + BACKBONE.path() + " = " + ESM2 + " (and "
          + EsmKeys.CHECKPOINT.path() + ") or choose another encoder"));
    }
    try {
      return ModelSpec.reference(cfg.get(LAYERS), cfg.get(D_MODEL), cfg.get(HEADS), cfg.get(FF_DIM), cfg.get(MAX_TOKENS))
          .withPositional(ModelSpec.Positional.valueOf(cfg.get(POSITIONAL).toUpperCase(java.util.Locale.ROOT)))
          .withPooling(ModelSpec.Pooling.valueOf(cfg.get(POOLING).toUpperCase(java.util.Locale.ROOT)))
          .withFlags(cfg.get(USE_FLAGS))
          .withSubstitutionFeatures(cfg.get(SUBSTITUTION_FEATURES))
          .withSubstitutionContext(substitutionContext(cfg));
    } catch (IllegalArgumentException e) {
      throw new MetamutConfig.InvalidConfigException(List.of("metamut.model: " + e.getMessage()));
    }
  }

  private static boolean substitutionContext(MetamutConfig cfg) {
    boolean on = cfg.get(SUBSTITUTION_CONTEXT);
    if (on && !cfg.get(SUBSTITUTION_FEATURES)) {
      throw new MetamutConfig.InvalidConfigException(List.of(SUBSTITUTION_CONTEXT.path() + " = true adds columns to the "
          + "substitution block: it needs " + SUBSTITUTION_FEATURES.path() + " = true"));
    }
    return on;
  }

  public static EncoderSpec encoder(MetamutConfig cfg) {
    return new EncoderSpec(cfg.get(ENCODER), cfg.get(MAX_TOKENS));
  }

  /**
   * The factory of the configured model (architecture, precision and, for the ESM-2 backbone, the checkpoint its
   * initial θ comes from): what meta-training builds on executors.
   */
  public static TransformerFactory factory(MetamutConfig cfg) {
    ModelSpec spec = spec(cfg);
    return new TransformerFactory(spec, dataType(cfg) == DataType.DOUBLE,
        esm2(cfg) ? EsmBackbone.Init.of(cfg.get(EsmKeys.CHECKPOINT)) : null);
  }

  /** Whether {@code backbone = esm2}. */
  public static boolean esm2(MetamutConfig cfg) {
    return ESM2.equals(cfg.get(BACKBONE));
  }

  /**
   * The ESM-2 backbone's checkpoint, after the cross-key checks: a checkpoint is set, the encoder is esm, and neither
   * use-flags nor the substitution block's keys are on (each refused in one line naming the key).
   */
  private static EsmCheckpoint esmCheckpoint(MetamutConfig cfg) {
    String pre = BACKBONE.path() + " = " + ESM2 + ": ";
    if (cfg.get(EsmKeys.CHECKPOINT).isEmpty()) {
      throw new MetamutConfig.InvalidConfigException(List.of(pre + EsmKeys.CHECKPOINT.path() + " is empty: set it to the "
          + "ESM-2 checkpoint folder to fine-tune (see 'metamut model import-esm DIR')"));
    }
    if (!EncoderSpec.ESM.equals(cfg.get(ENCODER))) {
      throw new MetamutConfig.InvalidConfigException(List.of(pre + ENCODER.path() + " is " + cfg.get(ENCODER)
          + ": the backbone reads ESM-2 tokens, set it to " + EncoderSpec.ESM));
    }
    for (ConfigKey<Boolean> block : List.of(SUBSTITUTION_FEATURES, SUBSTITUTION_CONTEXT)) {
      if (cfg.get(block)) {
        throw new MetamutConfig.InvalidConfigException(List.of(pre + block.path() + " = true is not supported (the "
            + "substitution block reads the separator encoding's wt SEP mt groups); set it to false"));
      }
    }
    if (cfg.get(USE_FLAGS)) {
      throw new MetamutConfig.InvalidConfigException(List.of(pre + USE_FLAGS.path() + " = true is not supported (the "
          + "ESM encoder's flags only mark the sites for pooling); set it to false"));
    }
    return EsmKeys.checkpoint(cfg);
  }

  public static DataType dataType(MetamutConfig cfg) {
    return "double".equals(cfg.get(DTYPE)) ? DataType.DOUBLE : DataType.FLOAT;
  }
}
