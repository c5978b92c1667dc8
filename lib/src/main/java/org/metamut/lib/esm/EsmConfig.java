package org.metamut.lib.esm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * The architecture of an ESM-2 checkpoint, from its HuggingFace {@code config.json} ({@code EsmConfig} fields).
 * Only the ESM-2 variant is accepted: rotary positions, no embedding LayerNorm before the blocks, GELU. Token ids
 * other than pad and mask come from {@code vocab.txt} ({@link EsmTokenizer}); real configs do not carry them.
 *
 * @param hidden            model width
 * @param layers            transformer blocks
 * @param heads             attention heads (divides {@code hidden})
 * @param intermediate      feed-forward width
 * @param vocab             vocabulary size (rows of the word embeddings)
 * @param maxPositions      {@code max_position_embeddings}: tokens the model was trained on, {@code <cls>} and
 *                          {@code <eos>} included (1026 for ESM-2, i.e. 1024 residues)
 * @param layerNormEps      LayerNorm ε
 * @param tokenDropout      whether embeddings are rescaled for token dropout (true for every published ESM-2)
 */
public record EsmConfig(int hidden, int layers, int heads, int intermediate, int vocab, int maxPositions,
                        double layerNormEps, boolean tokenDropout) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** ESM-2's training mask rate × the share of masked tokens replaced by {@code <mask>}: 0.15 × 0.8. */
  public static final float MASK_RATIO_TRAIN = 0.15f * 0.8f;

  public EsmConfig {
    if (hidden < 1 || layers < 1 || heads < 1 || intermediate < 1 || vocab < 1 || maxPositions < 3
        || hidden % heads != 0 || (hidden / heads) % 2 != 0 || !(layerNormEps > 0)) {
      throw new IllegalArgumentException("ESM config: hidden " + hidden + ", layers " + layers + ", heads " + heads
          + ", intermediate " + intermediate + ", vocab " + vocab + ", max positions " + maxPositions + ", eps "
          + layerNormEps + ": sizes must be >= 1, heads must divide hidden into an even head size, eps > 0");
    }
  }

  public int headDim() {
    return hidden / heads;
  }

  /** Residues that fit one pass: {@code maxPositions} less {@code <cls>} and {@code <eos>}. */
  public int maxResidues() {
    return maxPositions - 2;
  }

  /** Parses {@code config.json}; a missing field, a wrong type or a non-ESM-2 architecture is a one-line error. */
  public static EsmConfig read(Path file) {
    JsonNode c;
    try {
      c = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new InvalidCheckpointException(file, "not readable JSON: "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
    if (c == null || !c.isObject()) {
      throw new InvalidCheckpointException(file, "not a JSON object");
    }
    String type = text(c, "model_type", "esm");
    if (!type.equals("esm")) {
      throw new InvalidCheckpointException(file, "model_type is '" + type + "', expected 'esm'");
    }
    String pos = text(c, "position_embedding_type", "absolute");
    if (!pos.equals("rotary")) {
      throw new InvalidCheckpointException(file, "position_embedding_type is '" + pos + "': only ESM-2 (rotary) "
          + "checkpoints are supported (ESM-1b/ESM-1v use absolute positions)");
    }
    if (c.path("emb_layer_norm_before").asBoolean(false)) {
      throw new InvalidCheckpointException(file, "emb_layer_norm_before = true is ESM-1b, not ESM-2; not supported");
    }
    String act = text(c, "hidden_act", "gelu");
    if (!act.equals("gelu")) {
      throw new InvalidCheckpointException(file, "hidden_act is '" + act + "', expected 'gelu' (ESM-2)");
    }
    if (c.path("is_folding_model").asBoolean(false)) {
      throw new InvalidCheckpointException(file, "is an ESMFold checkpoint, not an ESM-2 language model");
    }
    try {
      return new EsmConfig(integer(c, "hidden_size", file), integer(c, "num_hidden_layers", file),
          integer(c, "num_attention_heads", file), integer(c, "intermediate_size", file), integer(c, "vocab_size", file),
          integer(c, "max_position_embeddings", file), c.path("layer_norm_eps").asDouble(1e-12),
          c.path("token_dropout").asBoolean(false));
    } catch (IllegalArgumentException e) {
      if (e instanceof InvalidCheckpointException) {
        throw e;
      }
      throw new InvalidCheckpointException(file, e.getMessage());
    }
  }

  /** {@code pad_token_id} and {@code mask_token_id} of {@code config.json}, −1 where absent (to check the vocabulary). */
  static int[] tokenIds(Path file) {
    try {
      JsonNode c = new ObjectMapper().readTree(file.toFile());
      return new int[] {c.path("pad_token_id").asInt(-1), c.path("mask_token_id").asInt(-1)};
    } catch (IOException e) {
      throw new InvalidCheckpointException(file, "not readable JSON: " + e.getMessage());
    }
  }

  private static String text(JsonNode c, String key, String dflt) {
    JsonNode v = c.get(key);
    return v == null || v.isNull() ? dflt : v.asText();
  }

  private static int integer(JsonNode c, String key, Path file) {
    JsonNode v = c.get(key);
    if (v == null || !v.isInt()) {
      throw new InvalidCheckpointException(file, "'" + key + "' is " + (v == null ? "missing" : v) + ", expected an integer");
    }
    return v.asInt();
  }
}
