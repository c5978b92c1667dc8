package org.metamut.lib.esm;

import java.nio.file.Path;
import java.util.List;

/**
 * An ESM-2 masked language model with its weights as float32 Java arrays, loaded from a HuggingFace checkpoint
 * ({@link EsmCheckpoint}); the forward pass of fair-esm's {@code ESM2} / HuggingFace's {@code EsmForMaskedLM} at
 * inference:
 * <ol>
 *   <li>word embeddings; with token dropout, {@code <mask>} rows zeroed and every row × (1 − 0.12) / (1 − the masked
 *       share of the non-pad tokens); padded rows zeroed;</li>
 *   <li>per block (pre-LayerNorm): LN → q, k, v (q × 1/√head size) → rotary on q and k with the checkpoint's own
 *       {@code inv_freq} → softmax attention with padded keys masked out → output projection, residual; LN → dense →
 *       exact GELU → dense, residual;</li>
 *   <li>the final LayerNorm ({@code emb_layer_norm_after}): the last hidden state;</li>
 *   <li>LM head: dense → GELU → LayerNorm → decoder (tied to the word embeddings when the checkpoint has no
 *       {@code lm_head.decoder.weight}) + bias.</li>
 * </ol>
 * Padded positions are computed like any other (they attend to the real tokens) but no real token attends to them,
 * exactly like the reference, so a sequence's outputs do not depend on the padding around it. Immutable after
 * loading and safe to share between threads; one pass is single-threaded.
 */
public final class Esm2Model {

  /** One block's weights; linear weights {@code [out, in]}. */
  record Block(float[] ln1g, float[] ln1b, float[] qw, float[] qb, float[] kw, float[] kb, float[] vw, float[] vb,
               float[] ow, float[] ob, float[] ln2g, float[] ln2b, float[] fc1w, float[] fc1b, float[] fc2w, float[] fc2b,
               float[] invFreq) {
  }

  /** The LM head; {@code decoder} is {@code [vocab, hidden]}. */
  record Head(float[] densew, float[] denseb, float[] lng, float[] lnb, float[] decoder, float[] bias) {
  }

  /**
   * Forward passes run in this JVM by any model: what a feature cache saves is checked by counting them (a counter,
   * not a timing); in Spark local mode the executors are threads of the driver's JVM, so tests see theirs too.
   */
  private static final java.util.concurrent.atomic.AtomicLong FORWARD_PASSES = new java.util.concurrent.atomic.AtomicLong();

  private final EsmConfig config;
  private final EsmTokenizer tokenizer;
  private final float[] wordEmb;
  private final List<Block> blocks;
  private final float[] finalLnG;
  private final float[] finalLnB;
  private final Head head; // null: an EsmModel checkpoint (hidden states only)
  private final Path source;

  Esm2Model(EsmConfig config, EsmTokenizer tokenizer, float[] wordEmb, List<Block> blocks, float[] finalLnG,
            float[] finalLnB, Head head, Path source) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.wordEmb = wordEmb;
    this.blocks = List.copyOf(blocks);
    this.finalLnG = finalLnG;
    this.finalLnB = finalLnB;
    this.head = head;
    this.source = source;
  }

  /** Loads the checkpoint directory ({@code config.json}, {@code vocab.txt}, {@code model.safetensors}). */
  public static Esm2Model load(Path dir) {
    return EsmCheckpoint.open(dir).load();
  }

  /** Forward passes ({@link #hidden} calls) of every model in this JVM so far. */
  public static long forwardPasses() {
    return FORWARD_PASSES.get();
  }

  public EsmConfig config() {
    return config;
  }

  public EsmTokenizer tokenizer() {
    return tokenizer;
  }

  /** The word embeddings {@code [vocab × hidden]} (not copied: for {@link EsmBackbone}, which only reads them). */
  float[] wordEmbeddings() {
    return wordEmb;
  }

  /** The blocks' weights (for {@link EsmBackbone}). */
  List<Block> blocks() {
    return blocks;
  }

  float[] finalLnG() {
    return finalLnG;
  }

  float[] finalLnB() {
    return finalLnB;
  }

  /** Where it was loaded from. */
  Path source() {
    return source;
  }

  /** Whether the checkpoint has an LM head (EsmForMaskedLM); an EsmModel checkpoint gives hidden states only. */
  public boolean hasLmHead() {
    return head != null;
  }

  /**
   * The hidden states of one tokenised sequence ({@code <pad>} allowed anywhere, {@code <mask>} too).
   *
   * @param allLayers keep the state after the embedding and after every block (else only the last)
   * @return {@code [layers + 1][tokens × hidden]} (row-major); entry {@code layers} is after the final LayerNorm;
   *     other entries null unless {@code allLayers}
   */
  public float[][] hidden(int[] tokens, boolean allLayers) {
    FORWARD_PASSES.incrementAndGet();
    int t = tokens.length;
    int d = config.hidden();
    if (t > config.maxPositions()) {
      throw new IllegalArgumentException(t + " tokens is more than the checkpoint's " + config.maxPositions()
          + " positions (" + source + ")");
    }
    float[][] out = new float[config.layers() + 1][];
    boolean[] pad = new boolean[t];
    float[] x = embed(tokens, pad);
    if (allLayers) {
      out[0] = x.clone();
    }
    Scratch s = new Scratch(t, d, config.intermediate(), config.heads());
    for (int l = 0; l < blocks.size(); l++) {
      block(blocks.get(l), x, pad, s);
      if (allLayers && l + 1 < blocks.size()) {
        out[l + 1] = x.clone();
      }
    }
    float[] last = new float[t * d];
    EsmMath.layerNorm(x, t, d, finalLnG, finalLnB, config.layerNormEps(), last);
    out[config.layers()] = last;
    return out;
  }

  /** The LM logits {@code [tokens × vocab]} from a final hidden state ({@link #hidden}'s last entry). */
  public float[] logits(float[] last, int tokens) {
    if (head == null) {
      throw new IllegalStateException(source + " has no LM head (an EsmModel checkpoint): logits and zero-shot scores "
          + "need an EsmForMaskedLM checkpoint (lm_head.* tensors)");
    }
    int d = config.hidden();
    int v = config.vocab();
    float[] h = new float[tokens * d];
    EsmMath.linear(last, tokens, d, head.densew(), head.denseb(), d, h);
    EsmMath.gelu(h, h.length);
    float[] n = new float[tokens * d];
    EsmMath.layerNorm(h, tokens, d, head.lng(), head.lnb(), config.layerNormEps(), n);
    float[] out = new float[tokens * v];
    EsmMath.linear(n, tokens, d, head.decoder(), head.bias(), v, out);
    return out;
  }

  /** The LM logits at one token position only (what a masked-marginal score reads). */
  public float[] logitsAt(float[] last, int position) {
    int d = config.hidden();
    float[] row = new float[d];
    System.arraycopy(last, position * d, row, 0, d);
    return logits(row, 1);
  }

  private float[] embed(int[] tokens, boolean[] pad) {
    int d = config.hidden();
    int t = tokens.length;
    float[] x = new float[t * d];
    int real = 0;
    int masked = 0;
    for (int i = 0; i < t; i++) {
      int id = tokens[i];
      if (id < 0 || id >= config.vocab()) {
        throw new IllegalArgumentException("token id " + id + " at " + i + " is outside the vocabulary of " + config.vocab());
      }
      pad[i] = id == tokenizer.pad();
      if (!pad[i]) {
        real++;
        masked += id == tokenizer.mask() ? 1 : 0;
      }
    }
    // token dropout at inference: the model was trained with 12% of the tokens zeroed, so the reference rescales
    // the embeddings to the expected training norm given the share actually masked here
    float scale = config.tokenDropout() ? (1 - EsmConfig.MASK_RATIO_TRAIN) / (1 - (float) masked / real) : 1f;
    for (int i = 0; i < t; i++) {
      int id = tokens[i];
      if (pad[i] || (config.tokenDropout() && id == tokenizer.mask())) {
        continue;
      }
      for (int j = 0; j < d; j++) {
        x[i * d + j] = wordEmb[id * d + j] * scale;
      }
    }
    return x;
  }

  /** Per-pass buffers of one sequence. */
  private static final class Scratch {
    final float[] h;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] ctx;
    final float[] proj;
    final float[] ff;
    final double[] p;

    Scratch(int t, int d, int ffDim, int heads) {
      h = new float[t * d];
      q = new float[t * d];
      k = new float[t * d];
      v = new float[t * d];
      ctx = new float[t * d];
      proj = new float[t * d];
      ff = new float[t * ffDim];
      p = new double[t];
    }
  }

  private void block(Block b, float[] x, boolean[] pad, Scratch s) {
    int t = pad.length;
    int d = config.hidden();
    double eps = config.layerNormEps();
    EsmMath.layerNorm(x, t, d, b.ln1g(), b.ln1b(), eps, s.h);
    EsmMath.linear(s.h, t, d, b.qw(), b.qb(), d, s.q);
    EsmMath.linear(s.h, t, d, b.kw(), b.kb(), d, s.k);
    EsmMath.linear(s.h, t, d, b.vw(), b.vb(), d, s.v);
    float scaling = (float) (1.0 / Math.sqrt(config.headDim()));
    for (int i = 0; i < s.q.length; i++) {
      s.q[i] *= scaling;
    }
    EsmMath.rotary(s.q, t, config.heads(), config.headDim(), b.invFreq());
    EsmMath.rotary(s.k, t, config.heads(), config.headDim(), b.invFreq());
    attend(s, pad);
    EsmMath.linear(s.ctx, t, d, b.ow(), b.ob(), d, s.proj);
    for (int i = 0; i < x.length; i++) {
      x[i] += s.proj[i];
    }
    EsmMath.layerNorm(x, t, d, b.ln2g(), b.ln2b(), eps, s.h);
    EsmMath.linear(s.h, t, d, b.fc1w(), b.fc1b(), config.intermediate(), s.ff);
    EsmMath.gelu(s.ff, s.ff.length);
    EsmMath.linear(s.ff, t, config.intermediate(), b.fc2w(), b.fc2b(), d, s.proj);
    for (int i = 0; i < x.length; i++) {
      x[i] += s.proj[i];
    }
  }

  /** Softmax attention per head; padded keys get probability 0. Writes {@code s.ctx}. */
  private void attend(Scratch s, boolean[] pad) {
    int t = pad.length;
    int d = config.hidden();
    int hd = config.headDim();
    double[] p = s.p;
    java.util.Arrays.fill(s.ctx, 0f);
    for (int h = 0; h < config.heads(); h++) {
      int ho = h * hd;
      for (int i = 0; i < t; i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < t; j++) {
          if (pad[j]) {
            continue;
          }
          p[j] = EsmMath.dot(s.q, i * d + ho, s.k, j * d + ho, hd);
          max = Math.max(max, p[j]);
        }
        double sum = 0;
        for (int j = 0; j < t; j++) {
          if (!pad[j]) {
            p[j] = Math.exp(p[j] - max);
            sum += p[j];
          }
        }
        int ci = i * d + ho;
        for (int j = 0; j < t; j++) {
          if (pad[j]) {
            continue;
          }
          float w = (float) (p[j] / sum);
          int vj = j * d + ho;
          for (int c = 0; c < hd; c++) {
            s.ctx[ci + c] += w * s.v[vj + c];
          }
        }
      }
    }
  }

  /** Number of parameters (embeddings, blocks, final LayerNorm, LM head; a tied decoder counted once). */
  public long parameters() {
    long n = wordEmb.length + finalLnG.length + finalLnB.length;
    for (Block b : blocks) {
      for (float[] a : new float[][] {b.ln1g(), b.ln1b(), b.qw(), b.qb(), b.kw(), b.kb(), b.vw(), b.vb(), b.ow(), b.ob(),
          b.ln2g(), b.ln2b(), b.fc1w(), b.fc1b(), b.fc2w(), b.fc2b()}) {
        n += a.length;
      }
    }
    if (head != null) {
      n += head.densew().length + head.denseb().length + head.lng().length + head.lnb().length + head.bias().length
          + (head.decoder() == wordEmb ? 0 : head.decoder().length);
    }
    return n;
  }

  @Override
  public String toString() {
    return "Esm2Model[" + config.layers() + " layers, hidden " + config.hidden() + ", " + config.heads() + " heads, "
        + parameters() + " parameters, " + (head == null ? "no LM head" : "LM head") + ", " + source + "]";
  }
}
