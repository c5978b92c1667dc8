package org.metamut.lib.esm;

import org.metamut.lib.encode.EsmEncoder;
import org.metamut.lib.model.ModelSpec;
import org.metamut.lib.model.ParamLayout;
import org.metamut.lib.model.Rotary;
import org.metamut.lib.model.Transformer;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * An ESM-2 checkpoint as the initial θ of our own {@code Transformer}, so that ESM-2 is a trainable backbone that MAML,
 * FOMAML, Reptile and the closed-form head fine-tune like any other model (issue 17): no second model implementation.
 * ESM-2 is the architecture of DESIGN.md §6 (pre-LayerNorm blocks, q/k/v biases, exact GELU, final LayerNorm) except
 * for the differences this importer maps:
 * <ul>
 *   <li>rotary positions on q and k, no learned positions: {@link ModelSpec.Positional#ROTARY}, or
 *       {@link ModelSpec.Positional#ROTARY_FP16} when the checkpoint's {@code inv_freq} are the half-precision
 *       rounded frequencies (the published ESM-2s); any other {@code inv_freq} is refused;</li>
 *   <li>the 33-token vocabulary with {@code <cls>} = 0 and {@code <pad>} = 1: rows 0 and 1 of the embedding table are
 *       swapped so that padding is {@code TokenBatch.PAD} = 0, and {@link EsmEncoder} emits the swapped ids;</li>
 *   <li>token dropout: on input without {@code <mask>} (what {@link EsmEncoder} writes) ESM-2 multiplies every
 *       embedding row by {@code 1 − 0.12}, which is folded into the imported table. The backbone therefore assumes
 *       unmasked input: a {@code <mask>} token would get the folded scale instead of the reference's
 *       {@code 0.88 / (1 − masked share)} and a non-zero embedding;</li>
 *   <li>dense weights {@code [out, in]} in the checkpoint, {@code [in, out]} in θ (transposed);</li>
 *   <li>the LM head is dropped; the scalar head is new and initialised to zero ({@code head.W = 0, head.b = 0}), so the
 *       imported model predicts 0 for every variant and the first gradient step moves only the head (the backbone's
 *       gradient is proportional to {@code head.W}): fine-tuning starts from exactly the pretrained features, with no
 *       random projection of them to undo.</li>
 * </ul>
 * The spec pools at the mutated sites ({@link ModelSpec.Pooling#SITES}, read from the encoder's flags). Any size of the
 * ESM-2 family is imported from its {@code config.json}. Refused, in one line naming the file and key: a LayerNorm
 * ε other than our 1e-5 ({@code layer_norm_eps}), a vocabulary other than ESM-2's ({@code vocab.txt}), non-standard
 * rotary frequencies, and (by {@link EsmConfig}) ESM-1 layouts ({@code emb_layer_norm_before},
 * non-rotary {@code position_embedding_type}).
 */
public final class EsmBackbone {

  /** Relative tolerance of the {@code inv_freq} check: float32 rounding of the frequencies, with room for pow's ulp. */
  static final double INV_FREQ_TOLERANCE = 1e-6;

  private EsmBackbone() {
  }

  /**
   * A {@code TransformerFactory}'s initial θ from the checkpoint folder {@code checkpoint} (a path every driver can
   * read): {@link #of}'s θ for a spec that must equal the checkpoint's up to the pooling (which the user chooses).
   * The seed is unused: the weights are the checkpoint's and the head is zero.
   *
   * @param fingerprint the checkpoint's {@link EsmCheckpoint#fingerprint} when the run was configured: it names the
   *                    weights in the run's identity (a resumed run refuses other weights at the same path) and is
   *                    checked again when θ is read; null = not checked
   */
  public record Init(String checkpoint, String fingerprint) implements org.metamut.lib.model.InitialTheta {
    private static final long serialVersionUID = 2L;

    /** The initialisation from the checkpoint at {@code checkpoint}, fingerprinted now. */
    public static Init of(String checkpoint) {
      return new Init(checkpoint, EsmCheckpoint.open(Path.of(checkpoint)).fingerprint());
    }

    @Override
    public double[] theta(ModelSpec spec, long seed) {
      EsmCheckpoint c = EsmCheckpoint.open(Path.of(checkpoint));
      if (fingerprint != null && !fingerprint.equals(c.fingerprint())) {
        throw new IllegalArgumentException("ESM-2 checkpoint " + checkpoint + " changed since the run was configured: "
            + "its fingerprint is " + c.fingerprint() + ", the run's " + fingerprint);
      }
      ModelSpec own = EsmBackbone.spec(c, spec.maxLen());
      if (!own.withPooling(spec.pooling()).equals(spec)) {
        throw new IllegalArgumentException("ESM-2 checkpoint " + checkpoint + " is a " + own.summary()
            + " backbone, not the model's " + spec.summary());
      }
      return EsmBackbone.theta(spec, c.load());
    }

    @Override
    public String describe() {
      return "ESM-2 checkpoint " + checkpoint + (fingerprint == null ? "" : " (" + fingerprint + ")");
    }
  }

  /** The architecture and initial parameters of an imported checkpoint. */
  public record Imported(ModelSpec spec, double[] theta) {
  }

  /** Opens, validates and imports the checkpoint directory; {@code maxTokens} becomes the spec's maxLen. */
  public static Imported load(Path dir, int maxTokens) {
    return of(EsmCheckpoint.open(dir), maxTokens);
  }

  /** Imports an opened checkpoint (see the class comment for what is refused). */
  public static Imported of(EsmCheckpoint checkpoint, int maxTokens) {
    ModelSpec spec = spec(checkpoint, maxTokens);
    return new Imported(spec, theta(spec, checkpoint.load()));
  }

  /**
   * The spec of the checkpoint's backbone, validated as {@link #of} does (see the class comment for what is refused),
   * reading no weights but the rotary frequencies.
   */
  public static ModelSpec spec(EsmCheckpoint checkpoint, int maxTokens) {
    EsmConfig c = checkpoint.config();
    Path config = checkpoint.dir().resolve(EsmCheckpoint.CONFIG);
    if (Math.abs(c.layerNormEps() - Transformer.LN_EPS) > 1e-12) {
      throw new InvalidCheckpointException(config, "layer_norm_eps is " + c.layerNormEps() + "; the fine-tunable "
          + "backbone computes LayerNorm with " + Transformer.LN_EPS + " (ESM-2's) and cannot represent another");
    }
    EsmTokenizer tok = checkpoint.tokenizer();
    for (int i = 0; i < Math.max(tok.size(), EsmEncoder.ALPHABET.size()); i++) {
      String have = i < tok.size() ? tok.token(i) : "(none)";
      String want = i < EsmEncoder.ALPHABET.size() ? EsmEncoder.ALPHABET.get(i) : "(none)";
      if (!have.equals(want)) {
        throw new InvalidCheckpointException(checkpoint.dir().resolve(EsmCheckpoint.VOCAB), "token " + i + " is '" + have
            + "', ESM-2's vocabulary has '" + want + "' there; the ESM encoder writes ESM-2's 33 token ids");
      }
    }
    if (maxTokens < 3 || maxTokens > c.maxPositions()) {
      throw new InvalidCheckpointException(config, "maxTokens " + maxTokens + " is outside [3, max_position_embeddings = "
          + c.maxPositions() + "]");
    }
    float[][] inv = new float[c.layers()][];
    for (int l = 0; l < inv.length; l++) {
      inv[l] = checkpoint.invFreq(l);
    }
    ModelSpec.Positional positional = positional(inv, c.headDim(), checkpoint.dir().resolve(EsmCheckpoint.WEIGHTS));
    return new ModelSpec(c.vocab(), maxTokens, c.hidden(), c.heads(), c.intermediate(), c.layers(), 0.0,
        positional, ModelSpec.Pooling.SITES, false, false, false);
  }

  /**
   * The rotary variant every block's {@code inv_freq} equals (to float tolerance): the float32 frequencies, or their
   * half-precision rounding; else a one-line refusal naming the tensor and the first value that matches neither.
   */
  static ModelSpec.Positional positional(float[][] invFreqs, int hd, Path file) {
    float[] std = Rotary.invFreq(ModelSpec.Positional.ROTARY, hd);
    float[] half = Rotary.invFreq(ModelSpec.Positional.ROTARY_FP16, hd);
    ModelSpec.Positional found = null;
    for (int l = 0; l < invFreqs.length; l++) {
      float[] f = invFreqs[l];
      ModelSpec.Positional p = close(f, std) ? ModelSpec.Positional.ROTARY
          : close(f, half) ? ModelSpec.Positional.ROTARY_FP16 : null;
      if (p == null || (found != null && p != found)) {
        int j = 0;
        while (j < f.length - 1 && close(f[j], std[j])) {
          j++;
        }
        throw new InvalidCheckpointException(file, "layer " + l + " rotary_embeddings.inv_freq[" + j + "] = " + f[j]
            + (p == null ? " is neither 1/10000^(2i/" + hd + ") = " + std[j] + " (float32) nor its half-precision "
            + "rounding; the backbone supports only those" : " mixes float32 and half-precision frequencies across layers"));
      }
      found = p;
    }
    return found == null ? ModelSpec.Positional.ROTARY : found;
  }

  private static boolean close(float[] a, float[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (!close(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean close(float a, float b) {
    return Math.abs(a - b) <= INV_FREQ_TOLERANCE * Math.abs(b);
  }

  /** θ in our layout from the checkpoint's weights (see the class comment). */
  static double[] theta(ModelSpec spec, Esm2Model m) {
    ParamLayout layout = ParamLayout.of(spec);
    double[] theta = new double[layout.numParams()];
    int d = spec.dModel();
    int ff = spec.ffDim();
    EsmConfig c = m.config();
    // what Esm2Model multiplies every row of unmasked input by, in the same float arithmetic
    float scale = c.tokenDropout() ? (1 - EsmConfig.MASK_RATIO_TRAIN) / (1 - 0f) : 1f;
    float[] emb = m.wordEmbeddings();
    int tok = layout.get("tok_emb").offset();
    for (int ours = 0; ours < spec.vocabSize(); ours++) {
      int esm = EsmEncoder.fromEsm(ours);
      for (int j = 0; j < d; j++) {
        theta[tok + ours * d + j] = emb[esm * d + j] * scale;
      }
    }
    for (int l = 0; l < spec.layers(); l++) {
      Esm2Model.Block b = m.blocks().get(l);
      String p = "blocks." + l + ".";
      put(theta, layout, p + "ln1.g", b.ln1g());
      put(theta, layout, p + "ln1.b", b.ln1b());
      transposed(theta, layout, p + "attn.Wq", b.qw(), d, d);
      put(theta, layout, p + "attn.bq", b.qb());
      transposed(theta, layout, p + "attn.Wk", b.kw(), d, d);
      put(theta, layout, p + "attn.bk", b.kb());
      transposed(theta, layout, p + "attn.Wv", b.vw(), d, d);
      put(theta, layout, p + "attn.bv", b.vb());
      transposed(theta, layout, p + "attn.Wo", b.ow(), d, d);
      put(theta, layout, p + "attn.bo", b.ob());
      put(theta, layout, p + "ln2.g", b.ln2g());
      put(theta, layout, p + "ln2.b", b.ln2b());
      transposed(theta, layout, p + "ff.W1", b.fc1w(), d, ff);
      put(theta, layout, p + "ff.b1", b.fc1b());
      transposed(theta, layout, p + "ff.W2", b.fc2w(), ff, d);
      put(theta, layout, p + "ff.b2", b.fc2b());
    }
    put(theta, layout, "lnf.g", m.finalLnG());
    put(theta, layout, "lnf.b", m.finalLnB());
    // head.W and head.b stay 0 (class comment)
    return theta;
  }

  private static void put(double[] theta, ParamLayout layout, String name, float[] v) {
    ParamLayout.Tensor t = layout.get(name);
    if (t.size() != v.length) {
      throw new IllegalStateException(name + ": " + v.length + " values for " + Arrays.toString(t.shape()));
    }
    for (int i = 0; i < v.length; i++) {
      theta[t.offset() + i] = v[i];
    }
  }

  /** θ's {@code [in, out]} tensor from a checkpoint weight stored {@code [out, in]}. */
  private static void transposed(double[] theta, ParamLayout layout, String name, float[] w, int in, int out) {
    ParamLayout.Tensor t = layout.get(name);
    if (t.shape()[0] != in || t.shape()[1] != out || w.length != in * out) {
      throw new IllegalStateException(name + ": " + w.length + " values for " + Arrays.toString(t.shape()));
    }
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        theta[t.offset() + i * out + o] = w[o * in + i];
      }
    }
  }
}
