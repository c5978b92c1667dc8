package org.metamut.lib.esm;

import org.metamut.lib.provenance.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A validated HuggingFace ESM-2 checkpoint directory: {@code config.json}, {@code vocab.txt} and
 * {@code model.safetensors}, checked against each other before any weight is read: the config is ESM-2, the
 * vocabulary matches its size and token ids, and every tensor the forward pass needs is present with the shape the
 * config implies. Names are accepted with the {@code esm.} prefix ({@code EsmForMaskedLM}) or without it
 * ({@code EsmModel}); {@code lm_head.decoder.weight} may be absent (tied to the word embeddings); tensors the forward
 * pass does not use ({@code contact_head.*}, {@code position_ids}, a pooler) are ignored.
 */
public final class EsmCheckpoint {

  public static final String CONFIG = "config.json";
  public static final String VOCAB = "vocab.txt";
  public static final String WEIGHTS = "model.safetensors";

  private final Path dir;
  private final EsmConfig config;
  private final EsmTokenizer tokenizer;
  private final SafeTensors tensors;
  private final String prefix;
  private final boolean lmHead;

  private EsmCheckpoint(Path dir, EsmConfig config, EsmTokenizer tokenizer, SafeTensors tensors, String prefix,
                        boolean lmHead) {
    this.dir = dir;
    this.config = config;
    this.tokenizer = tokenizer;
    this.tensors = tensors;
    this.prefix = prefix;
    this.lmHead = lmHead;
  }

  /** Validates the directory and the safetensors header; reads no weights. */
  public static EsmCheckpoint open(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new InvalidCheckpointException(dir, "not a directory (an ESM-2 checkpoint is a HuggingFace model folder with "
          + CONFIG + ", " + VOCAB + " and " + WEIGHTS + ")");
    }
    List<String> missing = new ArrayList<>();
    for (String f : new String[] {CONFIG, VOCAB, WEIGHTS}) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        missing.add(f);
      }
    }
    if (!missing.isEmpty()) {
      String hint = missing.contains(WEIGHTS) && Files.exists(dir.resolve("pytorch_model.bin"))
          ? " (only pytorch_model.bin is there: metamut reads safetensors only, never pickles; download model.safetensors)"
          : "";
      throw new InvalidCheckpointException(dir, "missing " + String.join(", ", missing) + hint);
    }
    EsmConfig config = EsmConfig.read(dir.resolve(CONFIG));
    EsmTokenizer tok = EsmTokenizer.read(dir.resolve(VOCAB));
    if (tok.size() != config.vocab()) {
      throw new InvalidCheckpointException(dir.resolve(VOCAB), tok.size() + " tokens but " + CONFIG + " says vocab_size "
          + config.vocab());
    }
    int[] ids = EsmConfig.tokenIds(dir.resolve(CONFIG));
    if ((ids[0] >= 0 && ids[0] != tok.pad()) || (ids[1] >= 0 && ids[1] != tok.mask())) {
      throw new InvalidCheckpointException(dir.resolve(CONFIG), "pad_token_id " + ids[0] + " / mask_token_id " + ids[1]
          + " disagree with " + VOCAB + " (<pad> = " + tok.pad() + ", <mask> = " + tok.mask() + ")");
    }
    SafeTensors st = SafeTensors.open(dir.resolve(WEIGHTS));
    String prefix = st.contains("esm.embeddings.word_embeddings.weight") ? "esm." : "";
    EsmCheckpoint c = new EsmCheckpoint(dir, config, tok, st, prefix, st.contains("lm_head.dense.weight"));
    c.checkShapes();
    return c;
  }

  private void checkShapes() {
    int d = config.hidden();
    int ff = config.intermediate();
    expect(prefix + "embeddings.word_embeddings.weight", config.vocab(), d);
    for (int l = 0; l < config.layers(); l++) {
      String p = layer(l);
      for (String n : new String[] {"attention.self.query", "attention.self.key", "attention.self.value",
          "attention.output.dense"}) {
        expect(p + n + ".weight", d, d);
        expect(p + n + ".bias", d);
      }
      for (String n : new String[] {"attention.LayerNorm", "LayerNorm"}) {
        expect(p + n + ".weight", d);
        expect(p + n + ".bias", d);
      }
      expect(p + "intermediate.dense.weight", ff, d);
      expect(p + "intermediate.dense.bias", ff);
      expect(p + "output.dense.weight", d, ff);
      expect(p + "output.dense.bias", d);
      if (tensors.contains(p + "attention.self.rotary_embeddings.inv_freq")) {
        expect(p + "attention.self.rotary_embeddings.inv_freq", config.headDim() / 2);
      }
    }
    expect(prefix + "encoder.emb_layer_norm_after.weight", d);
    expect(prefix + "encoder.emb_layer_norm_after.bias", d);
    if (lmHead) {
      expect("lm_head.dense.weight", d, d);
      expect("lm_head.dense.bias", d);
      expect("lm_head.layer_norm.weight", d);
      expect("lm_head.layer_norm.bias", d);
      expect("lm_head.bias", config.vocab());
      if (tensors.contains("lm_head.decoder.weight")) {
        expect("lm_head.decoder.weight", config.vocab(), d);
      }
    }
  }

  private String layer(int l) {
    return prefix + "encoder.layer." + l + ".";
  }

  private void expect(String name, long... shape) {
    SafeTensors.Entry e = tensors.entries().get(name);
    if (e == null) {
      throw new InvalidCheckpointException(tensors.file(), "no tensor '" + name + "' (needed by a " + config.layers()
          + "-layer, hidden-" + config.hidden() + " ESM-2 per " + CONFIG + ")");
    }
    if (!Arrays.equals(e.shape(), shape)) {
      throw new InvalidCheckpointException(tensors.file(), "tensor '" + name + "' has shape " + Arrays.toString(e.shape())
          + ", " + CONFIG + " implies " + Arrays.toString(shape));
    }
    if (SafeTensors.width(e.dtype()) == 0) {
      throw new InvalidCheckpointException(tensors.file(), "tensor '" + name + "' has dtype " + e.dtype()
          + "; only F32, F16 and BF16 are read");
    }
  }

  public Path dir() {
    return dir;
  }

  public EsmConfig config() {
    return config;
  }

  public EsmTokenizer tokenizer() {
    return tokenizer;
  }

  /** Whether it has an LM head (needed for logits and zero-shot scores). */
  public boolean hasLmHead() {
    return lmHead;
  }

  /** Elements over every tensor in the file (the on-disk parameter count, buffers and unused tensors included). */
  public long storedElements() {
    return tensors.elements();
  }

  /**
   * Parameters of the model: embeddings, blocks, final LayerNorm and LM head, the decoder counted once (it is tied to
   * the word embeddings in ESM-2); buffers ({@code inv_freq}) and unused tensors ({@code contact_head.*}) excluded.
   */
  public long parameters() {
    long n = 0;
    for (SafeTensors.Entry e : tensors.entries().values()) {
      String name = e.name();
      boolean used = name.startsWith(prefix + "embeddings.word_embeddings") || name.startsWith(prefix + "encoder.")
          || (lmHead && name.startsWith("lm_head."));
      if (used && !name.endsWith("inv_freq") && !name.equals("lm_head.decoder.weight")) {
        n += e.elements();
      }
    }
    return n;
  }

  /** Bytes of the three files together. */
  public long bytes() {
    try {
      return Files.size(dir.resolve(CONFIG)) + Files.size(dir.resolve(VOCAB)) + Files.size(dir.resolve(WEIGHTS));
    } catch (IOException e) {
      throw new InvalidCheckpointException(dir, "cannot read the file sizes: " + e.getMessage(), e);
    }
  }

  /**
   * {@code sha256:<hex>} over the three files (each file's SHA-256 with its name, in a fixed order): identifies the
   * checkpoint in reports and caches whatever folder it was copied to.
   */
  public String fingerprint() {
    StringBuilder sb = new StringBuilder();
    for (String f : new String[] {CONFIG, VOCAB, WEIGHTS}) {
      try (InputStream in = Files.newInputStream(dir.resolve(f))) {
        sb.append(f).append(' ').append(Sha256.hex(in)).append('\n');
      } catch (IOException e) {
        throw new InvalidCheckpointException(dir.resolve(f), "cannot read: " + e.getMessage(), e);
      }
    }
    return "sha256:" + Sha256.hex(sb.toString());
  }

  /** Reads every weight the forward pass needs. */
  public Esm2Model load() {
    float[] emb = read(prefix + "embeddings.word_embeddings.weight");
    List<Esm2Model.Block> blocks = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      String p = layer(l);
      float[] invFreq = invFreq(l);
      blocks.add(new Esm2Model.Block(read(p + "attention.LayerNorm.weight"), read(p + "attention.LayerNorm.bias"),
          read(p + "attention.self.query.weight"), read(p + "attention.self.query.bias"),
          read(p + "attention.self.key.weight"), read(p + "attention.self.key.bias"),
          read(p + "attention.self.value.weight"), read(p + "attention.self.value.bias"),
          read(p + "attention.output.dense.weight"), read(p + "attention.output.dense.bias"),
          read(p + "LayerNorm.weight"), read(p + "LayerNorm.bias"),
          read(p + "intermediate.dense.weight"), read(p + "intermediate.dense.bias"),
          read(p + "output.dense.weight"), read(p + "output.dense.bias"), invFreq));
    }
    Esm2Model.Head head = null;
    if (lmHead) {
      float[] decoder = tensors.contains("lm_head.decoder.weight") ? read("lm_head.decoder.weight") : emb;
      head = new Esm2Model.Head(read("lm_head.dense.weight"), read("lm_head.dense.bias"), read("lm_head.layer_norm.weight"),
          read("lm_head.layer_norm.bias"), decoder, read("lm_head.bias"));
    }
    return new Esm2Model(config, tokenizer, emb, blocks, read(prefix + "encoder.emb_layer_norm_after.weight"),
        read(prefix + "encoder.emb_layer_norm_after.bias"), head, dir);
  }

  /**
   * Block {@code l}'s rotary frequencies: the stored {@code inv_freq} is what the model was trained with (rounded in
   * half precision for the published ESM-2s); recomputing it is only the fallback for a checkpoint saved without
   * buffers.
   */
  float[] invFreq(int l) {
    String inv = layer(l) + "attention.self.rotary_embeddings.inv_freq";
    return tensors.contains(inv) ? read(inv) : defaultInvFreq(config.headDim());
  }

  private float[] read(String name) {
    return tensors.floats(name);
  }

  /** 1 / 10000^(2j / headDim), j < headDim / 2: the rotary frequencies ESM-2 was defined with. */
  static float[] defaultInvFreq(int headDim) {
    float[] f = new float[headDim / 2];
    for (int j = 0; j < f.length; j++) {
      f[j] = (float) (1.0 / Math.pow(10000, (2.0 * j) / headDim));
    }
    return f;
  }

  @Override
  public String toString() {
    return "EsmCheckpoint[" + dir + ", " + config.layers() + " layers, hidden " + config.hidden() + "]";
  }
}
